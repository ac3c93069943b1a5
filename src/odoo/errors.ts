// Odoo's faults as typed errors. Odoo's own message is kept (the last line of a
// traceback for fault 1), so operators see what Odoo said.
export type OdooFaultKind =
  | 'access_denied' // 3: wrong password, wrong master password, non-admin module install
  | 'missing_model' // 2: "Object x doesn't exist"
  | 'user_error' // 2: UserError, ValidationError, MissingError
  | 'access_rights' // 4: AccessError, private method
  | 'server_error' // 1: anything else (traceback)
  | 'refused' // the HTTP database manager refused the request; its page says why, and retrying changes nothing
  | 'unavailable' // transport: timeout, refused connection, HTTP error
  | 'unsupported'; // the server's version lacks the service

export class OdooError extends Error {
  constructor(
    readonly kind: OdooFaultKind,
    message: string,
    readonly faultCode: number | null = null,
  ) {
    super(message);
    this.name = 'OdooError';
  }
}

/** No answer in time: the server may still be doing the work it was asked for. */
export class OdooTimeoutError extends OdooError {
  constructor(message: string) {
    super('unavailable', message);
    this.name = 'OdooTimeoutError';
  }
}

/** A request that got no answer: fetch hides the reason (ECONNREFUSED, ...) in its cause. */
export function transportFailure(where: string, error: unknown): OdooError {
  const cause = (error as { cause?: { code?: unknown; message?: unknown } }).cause;
  const reason = cause ? String(cause.code ?? cause.message) : (error as Error).message;
  return new OdooError('unavailable', `${where}: ${reason}`);
}

/** The meaningful line of a fault string: Odoo sends whole tracebacks for fault 1. */
function lastLine(faultString: string): string {
  const lines = faultString
    .trim()
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean);
  return lines[lines.length - 1] ?? faultString;
}

export function errorFromFault(faultCode: unknown, faultString: unknown): OdooError {
  const text = String(faultString ?? '');
  switch (faultCode) {
    case 3:
      return new OdooError('access_denied', text || 'Access Denied', 3);
    case 4:
      return new OdooError('access_rights', text, 4);
    case 2:
      return /^Object \S+ doesn't exist/.test(text)
        ? new OdooError('missing_model', text, 2)
        : new OdooError('user_error', text, 2);
    default:
      return new OdooError('server_error', lastLine(text), typeof faultCode === 'number' ? faultCode : 1);
  }
}
