// What an audit row keeps of a mutation's arguments: everything but secrets.
import { describe, expect, it } from 'vitest';
import { auditInput, REDACTED } from '../src/services/audit/audit-input.js';

describe('audit input', () => {
  it('redacts secrets by name, credentials in URLs, and cuts long values', () => {
    const recorded = auditInput({
      name: 'shop',
      gitRepositoryUrl: 'https://deploy:ghp_secret123@github.com/acme/shop.git',
      webhook: { url: 'https://hooks.example.com/in', secret: 'whsec_1' },
      providerToken: 'sh-token',
      newPassword: 'pw',
      idempotencyKey: 'retry-1',
      apiKeyId: 'QXBpS2V5OjE=',
      clearSecret: null,
      files: Array.from({ length: 25 }, (_, index) => ({ path: `f${index}.py`, content: 'x'.repeat(500) })),
    }) as Record<string, unknown>;
    expect(recorded).toMatchObject({
      name: 'shop',
      gitRepositoryUrl: `https://${REDACTED}@github.com/acme/shop.git`,
      webhook: { url: 'https://hooks.example.com/in', secret: REDACTED },
      providerToken: REDACTED,
      newPassword: REDACTED,
      idempotencyKey: 'retry-1',
      apiKeyId: 'QXBpS2V5OjE=',
      clearSecret: null,
    });
    const files = recorded.files as Array<{ content: string } | string>;
    expect(files).toHaveLength(21);
    expect(files[20]).toBe('… 5 more');
    expect((files[0] as { content: string }).content).toMatch(/^x{200}… \(500 characters\)$/);
    expect(JSON.stringify(recorded)).not.toMatch(/ghp_secret123|whsec_1|sh-token|"pw"/);
  });

  it('stays linear on huge arguments, and redacts a credential that straddles the cut', () => {
    const huge = auditInput({ id: `not-an-id-${'x'.repeat(500_000)}` }) as { id: string };
    expect(huge.id).toMatch(/… \(500010 characters\)$/);
    const straddling = auditInput(
      `${'a'.repeat(150)} https://deploy:${'t'.repeat(100)}@github.com/acme/shop.git`,
    ) as string;
    expect(straddling).not.toContain('ttt');
    expect(straddling).toContain(`https://${REDACTED}@github.com`);
  });
});
