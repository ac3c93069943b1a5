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
  if (typeof value === 'string') return cut(withoutUserInfo(value));
  if (typeof value === 'number' || typeof value === 'boolean') return value;
  if (value instanceof Date) return value.toISOString();
  if (depth >= MAX_DEPTH) return '…';
  if (Array.isArray(value)) {
    const items = value.slice(0, MAX_ITEMS).map((item) => auditInput(item, depth + 1));
    return value.length > MAX_ITEMS ? [...items, `… ${value.length - MAX_ITEMS} more`] : items;
  }
  if (typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value as Record<string, unknown>).map(([key, item]) => [key, SECRET_NAME.test(key) && item !== null && item !== undefined ? REDACTED : auditInput(item, depth + 1)]),
    );
  }
  return String(value);
}

/** `https://user:token@host/…` keeps its host and path, not its credentials. */
function withoutUserInfo(text: string): string {
  return text.replace(/([a-z][a-z0-9+.-]*:\/\/)[^/\s@]+@/gi, `$1${REDACTED}@`);
}

function cut(text: string): string {
  return text.length > MAX_STRING ? `${text.slice(0, MAX_STRING)}… (${text.length} characters)` : text;
}
