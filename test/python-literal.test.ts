// The manifest reader accepts what ast.literal_eval accepts in a manifest, and refuses
// what it refuses, with the line of the mistake.
import { describe, expect, it } from 'vitest';
import { parsePythonLiteral, PythonSyntaxError } from '../src/services/templates/python-literal.js';

describe('Python literals of manifests', () => {
  it('reads a real-world manifest', () => {
    const source = `# -*- coding: utf-8 -*-
# Part of a customer addon.
{
    'name': "Fleet " 'Custom',   # implicit concatenation
    'version': '17.0.1.0.0',
    'summary': """Multi-line
summary""",
    'depends': ['base', 'sale',],
    'data': ('views/views.xml', r'data\\raw.xml'),
    'installable': True,
    'application': False,
    'auto_install': None,
    'sequence': -10,
    'price': 9.5,
    'assets': {'web.assets_backend': ['fleet_custom/static/src/**/*']},
    'license': 'LGPL-3',
    'escaped': 'caf\\xe9 \\u00e0 la \\'carte\\'',
}
`;
    expect(parsePythonLiteral(source)).toEqual({
      name: 'Fleet Custom',
      version: '17.0.1.0.0',
      summary: 'Multi-line\nsummary',
      depends: ['base', 'sale'],
      data: ['views/views.xml', 'data\\raw.xml'],
      installable: true,
      application: false,
      auto_install: null,
      sequence: -10,
      price: 9.5,
      assets: { 'web.assets_backend': ['fleet_custom/static/src/**/*'] },
      license: 'LGPL-3',
      escaped: "café à la 'carte'",
    });
  });

  it.each([
    ["{'name': 'x',, }", /line 1/],
    ["{'name': 'x'}\nimport os", /line 2: expected the end/],
    ["{'name': f'{x}'}", /f-strings/],
    ["{'name': 'unterminated}", /unterminated/],
    ["{'name': open('/etc/passwd')}", /unexpected "o"/],
    ['', /unexpected end/],
  ])('refuses %j', (source, message) => {
    expect(() => parsePythonLiteral(source)).toThrow(PythonSyntaxError);
    expect(() => parsePythonLiteral(source)).toThrow(message);
  });
});
