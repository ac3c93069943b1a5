// Expected failures of domain operations. The GraphQL layer lists them in mutation
// result unions; they never carry secrets.
export class DomainError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

export class NotFoundError extends DomainError {
  constructor(readonly resource: string, readonly id: string) {
    // Ids come from callers: only a prefix is repeated back.
    super(`No ${resource} with id "${id.length > 80 ? `${id.slice(0, 79)}…` : id}".`);
  }
}

export class ConflictError extends DomainError {}

export interface FieldError {
  path: string[];
  message: string;
}

export class InvalidInputError extends DomainError {
  constructor(readonly fieldErrors: FieldError[]) {
    super(`Invalid input: ${fieldErrors.map((error) => `${error.path.join('.')}: ${error.message}`).join('; ')}`);
  }
}

/** Turns a zod failure into the schema's field-error shape. */
export function invalidInputFrom(issues: ReadonlyArray<{ path: PropertyKey[]; message: string }>): InvalidInputError {
  return new InvalidInputError(issues.map((issue) => ({ path: issue.path.map(String), message: issue.message })));
}

/** The instance's provider cannot do what was asked (see providers/descriptor.ts for the list). */
export class UnsupportedError extends DomainError {
  constructor(
    readonly capability: string,
    readonly deploymentMethod: string,
    message: string,
  ) {
    super(message);
  }
}
