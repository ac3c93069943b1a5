// What a mutation was asked to do, for the audit trail's `details.input`: its arguments
// with every secret replaced, credentials taken out of URLs, and long values cut, so the
// trail says what changed without ever holding a token, password or key.

/** Argument names whose values are secrets (tokens, passwords, keys, credentials). */
const SECRET_NAME = /token|password|secret|credential|authorization|privatekey|apikey$/i;
const MAX_STRING = 200;
const MAX_ITEMS = 20;
const MAX_DEPTH = 5;
export const REDACTED = '[redacted]';

export type AuditValue = string | number | boolean | null | AuditValue[] | { [key: string]: AuditValue };

/** Arguments of an operation's mutation fields, by field name, in the order they run. */
export type MutationArguments = Map<string, AuditValue[]>;

export function auditInput(value: unknown, depth = 0): AuditValue {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string')
    return cut(withoutUserInfo(value.slice(0, MAX_STRING + MAX_USER_INFO + 32)), value.length);
  if (typeof value === 'number' || typeof value === 'boolean') return value;
  if (value instanceof Date) return value.toISOString();
  if (depth >= MAX_DEPTH) return '…';
  if (Array.isArray(value)) {
    const items = value.slice(0, MAX_ITEMS).map((item) => auditInput(item, depth + 1));
    return value.length > MAX_ITEMS ? [...items, `… ${value.length - MAX_ITEMS} more`] : items;
  }
  if (typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value as Record<string, unknown>).map(([key, item]) => [
        key,
        SECRET_NAME.test(key) && item !== null && item !== undefined ? REDACTED : auditInput(item, depth + 1),
      ]),
    );
  }
  return String(value);
}

/** Longest user info (`user:token`) looked for in a URL. */
const MAX_USER_INFO = 512;

/**
 * `https://user:token@host/…` keeps its host and path, not its credentials. Bounded
 * quantifiers keep it linear: an unbounded scheme pattern backtracked quadratically over a
 * long run of letters (a 500,000-character argument took minutes).
 */
function withoutUserInfo(text: string): string {
  return text.replace(new RegExp(`([a-z][a-z0-9+.-]{0,31}://)[^/\\s@]{1,${MAX_USER_INFO}}@`, 'gi'), `$1${REDACTED}@`);
}

/** The first MAX_STRING characters, redacted before the cut so no credential straddles it. */
function cut(text: string, length: number): string {
  return length > MAX_STRING ? `${text.slice(0, MAX_STRING)}… (${length} characters)` : text;
}
