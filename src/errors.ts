// What clients see of a failure. GraphQL errors we raise on purpose pass through;
// Pothos' input validation (bad cursors, page sizes, global ids) becomes BAD_USER_INPUT;
// anything else is masked by Yoga (no stack, SQL or secret reaches a response).
import { PothosValidationError } from '@pothos/core';
import { GraphQLError } from 'graphql';
import { maskError as yogaMaskError } from 'graphql-yoga';

function originalOf(error: unknown): unknown {
  return error instanceof GraphQLError && error.originalError ? originalOf(error.originalError) : error;
}

export function maskError(error: unknown, message: string, isDev?: boolean): Error {
  const original = originalOf(error);
  if (original instanceof PothosValidationError) {
    return new GraphQLError(original.message, {
      path: error instanceof GraphQLError ? error.path : undefined,
      nodes: error instanceof GraphQLError ? error.nodes : undefined,
      extensions: { code: 'BAD_USER_INPUT' },
    });
  }
  return (yogaMaskError as (error: unknown, message: string, isDev?: boolean) => Error)(error, message, isDev);
}
