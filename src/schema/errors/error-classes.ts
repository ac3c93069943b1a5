// Errors that reach clients unmasked. They extend GraphQLError so Yoga's masking lets
// them through with a stable `extensions.code`; everything else becomes a generic error.
import { GraphQLError } from 'graphql';

export class NotAuthenticatedError extends GraphQLError {
  constructor(message = 'Authentication required: send "Authorization: Bearer <api key>".') {
    super(message, { extensions: { code: 'UNAUTHENTICATED', http: { status: 401 } } });
  }
}

export class RateLimitedError extends GraphQLError {
  constructor(retryAfterSeconds: number) {
    super(`Too many failed authentications from your address or with this key; retry in ${retryAfterSeconds} s.`, {
      extensions: {
        code: 'RATE_LIMITED',
        http: { status: 429, headers: { 'retry-after': String(retryAfterSeconds) } },
      },
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

export {
  ConflictError,
  DomainError,
  InvalidInputError,
  NotFoundError,
  ProviderAuthError,
  ProviderUnavailableError,
  UnsupportedError,
  type FieldError,
} from '../../services/errors.js';
