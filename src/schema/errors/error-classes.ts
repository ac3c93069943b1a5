// Errors that reach clients unmasked. They extend GraphQLError so Yoga's masking lets
// them through with a stable `extensions.code`; everything else becomes a generic error.
import { GraphQLError } from 'graphql';

export class NotAuthenticatedError extends GraphQLError {
  constructor() {
    super('Authentication required: send "Authorization: Bearer <api key>".', {
      extensions: { code: 'UNAUTHENTICATED', http: { status: 401 } },
    });
  }
}

export class NotAuthorizedError extends GraphQLError {
  constructor() {
    super('Your API key may not perform this operation.', {
      extensions: { code: 'FORBIDDEN' },
    });
  }
}

/** An expected failure of a mutation, returned in its payload's error union. */
export class DomainError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

export class NotFoundError extends DomainError {
  constructor(readonly resource: string, readonly id: string) {
    super(`No ${resource} with id "${id}".`);
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
