// What clients see of a failure. GraphQL errors we raise on purpose pass through;
// bad input (Pothos' own validation of cursors, page sizes and global ids, and the
// input guard's InvalidInputError where a field has no typed errors) becomes
// BAD_USER_INPUT; a missing object outside a result union becomes NOT_FOUND; anything
// else is masked by Yoga (no stack, SQL or secret reaches a response). No message
// carries more than a short prefix of what the caller sent.
import { PothosValidationError } from '@pothos/core';
import { GraphQLError } from 'graphql';
import { maskError as yogaMaskError } from 'graphql-yoga';
import { InvalidInputError, NotFoundError } from './services/errors.js';

/** Longest message a client or a log line gets from an error about its input. */
export const MAX_ERROR_MESSAGE_LENGTH = 200;

export function shortened(text: string, limit = MAX_ERROR_MESSAGE_LENGTH): string {
  return text.length <= limit ? text : `${text.slice(0, limit - 1)}…`;
}

function originalOf(error: unknown): unknown {
  return error instanceof GraphQLError && error.originalError ? originalOf(error.originalError) : error;
}

/**
 * Bad input and missing objects: answered to the caller, not failures of this server
 * (GraphQL errors without a cause are graphql-js refusing a request, or ours on purpose).
 */
export function isExpectedFailure(error: unknown): boolean {
  const original = originalOf(error);
  return (
    original instanceof PothosValidationError ||
    original instanceof InvalidInputError ||
    original instanceof NotFoundError ||
    (original instanceof GraphQLError && !original.originalError)
  );
}

export function maskError(error: unknown, message: string, isDev?: boolean): Error {
  const original = originalOf(error);
  const where = error instanceof GraphQLError ? { path: error.path, nodes: error.nodes } : {};
  if (original instanceof PothosValidationError) {
    return new GraphQLError(shortened(original.message), { ...where, extensions: { code: 'BAD_USER_INPUT' } });
  }
  if (original instanceof InvalidInputError) {
    return new GraphQLError(shortened(original.message), {
      ...where,
      extensions: { code: 'BAD_USER_INPUT', fieldErrors: original.fieldErrors },
    });
  }
  if (original instanceof NotFoundError) {
    return new GraphQLError(shortened(original.message), { ...where, extensions: { code: 'NOT_FOUND' } });
  }
  if (original instanceof GraphQLError && original.message.length > MAX_ERROR_MESSAGE_LENGTH) {
    return new GraphQLError(shortened(original.message), { ...where, extensions: original.extensions });
  }
  return (yogaMaskError as (error: unknown, message: string, isDev?: boolean) => Error)(error, message, isDev);
}
