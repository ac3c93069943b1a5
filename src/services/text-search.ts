// Substring filters typed by people: `%`, `_` and `\` are matched as themselves, not as
// SQL LIKE wildcards (Prisma's `contains` hands them to ILIKE unescaped).
export function containsText(text: string): { contains: string; mode: 'insensitive' } {
  return { contains: text.replace(/[\\%_]/g, (character) => `\\${character}`), mode: 'insensitive' };
}
