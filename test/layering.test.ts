// Rules of the layout that a reader relies on: the GraphQL layer holds no SQL (it calls
// `context.services`, which own the queries), and no `as never` papers over a type gap.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { projectRoot } from '../src/db/paths.js';

function sourcesUnder(folder: string): string[] {
  return readdirSync(folder, { withFileTypes: true }).flatMap((entry) => {
    const path = join(folder, entry.name);
    if (entry.isDirectory()) return entry.name === 'generated' ? [] : sourcesUnder(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

const linesMatching = (files: string[], pattern: RegExp) =>
  files.flatMap((file) =>
    readFileSync(file, 'utf8')
      .split('\n')
      .flatMap((line, index) => (pattern.test(line) ? [`${relative(projectRoot, file)}:${index + 1}`] : [])),
  );

describe('the layout', () => {
  const src = join(projectRoot, 'src');

  it('keeps SQL out of src/schema', () => {
    expect(linesMatching(sourcesUnder(join(src, 'schema')), /\$queryRaw|\$executeRaw|Prisma\.sql/)).toEqual([]);
  });

  it('has no `as never` in src', () => {
    expect(linesMatching(sourcesUnder(src), /\bas never\b/)).toEqual([]);
  });
});
