// Substring filters typed by people: `%`, `_` and `\` are matched as themselves, not as
// SQL LIKE wildcards. The one escaping rule, for Prisma's `contains` (which hands its text
// to ILIKE unescaped) and for plain SQL.
export function escapeLikePattern(text: string): string {
  return text.replace(/[\\%_]/g, (character) => `\\${character}`);
}
