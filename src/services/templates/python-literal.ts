// Odoo reads `__manifest__.py` with ast.literal_eval: one Python literal, in practice a
// dict. This parser accepts the same subset (dicts, lists, tuples, sets, strings with
// prefixes and implicit concatenation, numbers, True/False/None, comments) so a template
// whose manifest Odoo would refuse is refused when it is saved, not when it is deployed.

export type PythonValue = string | number | boolean | null | PythonValue[] | { [key: string]: PythonValue };

export class PythonSyntaxError extends Error {
  constructor(
    message: string,
    readonly line: number,
  ) {
    super(`line ${line}: ${message}`);
  }
}

const ESCAPES: Record<string, string> = {
  n: '\n',
  t: '\t',
  r: '\r',
  '\\': '\\',
  "'": "'",
  '"': '"',
  '\n': '',
  a: '\x07',
  b: '\b',
  f: '\f',
  v: '\v',
  '0': '\0',
};

export function parsePythonLiteral(source: string): PythonValue {
  let position = 0;
  const line = () => source.slice(0, position).split('\n').length;
  const fail = (message: string): never => {
    throw new PythonSyntaxError(message, line());
  };

  const skipSpace = () => {
    for (;;) {
      const char = source[position];
      if (char === '#') {
        while (position < source.length && source[position] !== '\n') position += 1;
      } else if (
        char === ' ' ||
        char === '\t' ||
        char === '\n' ||
        char === '\r' ||
        (char === '\\' && source[position + 1] === '\n')
      ) {
        position += char === '\\' ? 2 : 1;
      } else {
        return;
      }
    }
  };

  const stringLiteral = (): string => {
    const prefix = /^[rRbBuUfF]{0,2}/.exec(source.slice(position))![0];
    if (/[fF]/.test(prefix)) fail('f-strings are not literals');
    const raw = /[rR]/.test(prefix);
    position += prefix.length;
    const quote = source.startsWith('"""', position)
      ? '"""'
      : source.startsWith("'''", position)
        ? "'''"
        : source[position]!;
    position += quote.length;
    let value = '';
    for (;;) {
      if (position >= source.length) fail('unterminated string');
      if (source.startsWith(quote, position)) {
        position += quote.length;
        return value;
      }
      const char = source[position]!;
      if (char === '\n' && quote.length === 1) fail('unterminated string');
      if (char === '\\' && !raw) {
        const next = source[position + 1] ?? '';
        if (next === 'x' || next === 'u') {
          const length = next === 'x' ? 2 : 4;
          const hex = source.slice(position + 2, position + 2 + length);
          if (!/^[0-9a-fA-F]+$/.test(hex) || hex.length !== length) fail('bad escape');
          value += String.fromCharCode(parseInt(hex, 16));
          position += 2 + length;
          continue;
        }
        value += ESCAPES[next] ?? `\\${next}`;
        position += 2;
        continue;
      }
      if (char === '\\' && raw) {
        value += source.slice(position, position + 2);
        position += 2;
        continue;
      }
      value += char;
      position += 1;
    }
  };

  const isStringStart = () => /^[rRbBuUfF]{0,2}['"]/.test(source.slice(position, position + 3));

  const sequence = (close: string): PythonValue[] => {
    const items: PythonValue[] = [];
    for (;;) {
      skipSpace();
      if (source[position] === close) {
        position += 1;
        return items;
      }
      items.push(value());
      skipSpace();
      if (source[position] === ',') position += 1;
      else if (source[position] !== close) fail(`expected "," or "${close}"`);
    }
  };

  const value = (): PythonValue => {
    skipSpace();
    const char = source[position];
    if (char === undefined) return fail('unexpected end of file');
    if (isStringStart()) {
      // Adjacent strings concatenate, as in Python.
      let text = stringLiteral();
      for (skipSpace(); isStringStart(); skipSpace()) text += stringLiteral();
      return text;
    }
    if (char === '{') {
      position += 1;
      const entries: Record<string, PythonValue> = {};
      const members: PythonValue[] = [];
      for (;;) {
        skipSpace();
        if (source[position] === '}') {
          position += 1;
          return members.length > 0 ? members : entries;
        }
        const key = value();
        skipSpace();
        if (source[position] === ':') {
          if (members.length > 0) fail('mixed set and dict');
          position += 1;
          if (typeof key !== 'string' && typeof key !== 'number') fail('dict keys must be strings or numbers');
          entries[String(key)] = value();
        } else {
          if (Object.keys(entries).length > 0) fail('expected ":"');
          members.push(key);
        }
        skipSpace();
        if (source[position] === ',') position += 1;
        else if (source[position] !== '}') fail('expected "," or "}"');
      }
    }
    if (char === '[' || char === '(') {
      position += 1;
      return sequence(char === '[' ? ']' : ')');
    }
    const word = /^(True|False|None)\b/.exec(source.slice(position));
    if (word) {
      position += word[0].length;
      return word[0] === 'None' ? null : word[0] === 'True';
    }
    const number = /^-?(?:0[xX][0-9a-fA-F_]+|(?:\d[\d_]*)?\.?\d[\d_]*(?:[eE][+-]?\d+)?)/.exec(source.slice(position));
    if (number && number[0] !== '-') {
      position += number[0].length;
      return Number(number[0].replace(/_/g, ''));
    }
    return fail(`unexpected "${char}"`);
  };

  const result = value();
  skipSpace();
  if (position < source.length) fail('expected the end of the file after the literal');
  return result;
}
