// Expected failures of domain operations, all in this one module. The GraphQL layer
// lists them in mutation result unions (schema/errors/error.types.ts); they never carry
// secrets. Providers report ProviderError (providers/errors.ts); `rethrowProviderFailure`
// is the one place that turns it into what callers of the API see.
import { ProviderError } from '../providers/errors.js';

export class DomainError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

export class NotFoundError extends DomainError {
  constructor(
    readonly resource: string,
    readonly id: string,
  ) {
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

export type RepositoryErrorKind = 'unreachable' | 'conflict' | 'rejected';

/** A git repository that cannot be reached, or refuses the push; the message holds no credentials. */
export class RepositoryError extends DomainError {
  constructor(
    readonly kind: RepositoryErrorKind,
    message: string,
  ) {
    super(message);
  }
}

/** The provider could not be reached or refused for a reason of its own. */
export class ProviderUnavailableError extends DomainError {}

/** The provider refused the fleet's credentials (a wrong password or token): fix them, then try again. */
export class ProviderAuthError extends DomainError {}

/** A provider's failure as the API reports it; anything else is rethrown as it is (and masked). */
export function rethrowProviderFailure(error: unknown): never {
  if (error instanceof ProviderError) {
    if (error.kind === 'conflict') throw new ConflictError(error.message);
    if (error.kind === 'not_found')
      throw new ConflictError(`The provider no longer knows this instance: ${error.message}`);
    if (error.kind === 'unauthorized') throw new ProviderAuthError(error.message);
    throw new ProviderUnavailableError(error.message);
  }
  throw error;
}
