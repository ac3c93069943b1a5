// Shared shape of mutations: one `input` argument, a result union of the success type and
// the expected errors, and an audit row for every call.
import type { GraphQLContext } from '../context.js';
import type { FleetServices } from '../services/fleet-services.js';
import { recordAudit } from '../services/audit/audit.js';
import type { AuditValue } from '../services/audit/audit-input.js';
import { takeMutationArguments } from './audit/audit-inputs.js';
import { DomainError } from '../services/errors.js';

/** Names and describes the union and success types the errors plugin generates. */
export function resultTypes(mutation: string, dataField: string, description: string) {
  const name = mutation[0]!.toUpperCase() + mutation.slice(1);
  return {
    union: { name: `${name}Result`, description: `Outcome of \`${mutation}\`: the success, or why it failed.` },
    result: { name: `${name}Success`, description },
    dataField: { name: dataField, description: 'The object the operation produced or changed.' },
  };
}

/**
 * Runs a mutation's work and records it: SUCCESS, or FAILURE with the error's kind.
 * Denied calls never get here; they are recorded by the audit plugin.
 */
export async function audited<Result>(
  context: GraphQLContext,
  operation: string,
  targetId: string | null,
  work: () => Promise<Result>,
  options: {
    companyId?: string | null;
    targetOf?: (result: Result) => string | null;
    companyOf?: (result: Result) => string | null;
  } = {},
): Promise<Result> {
  const input = takeMutationArguments(context, operation);
  const asked: Record<string, AuditValue> = input === undefined ? {} : { input };
  try {
    const result = await work();
    await recordAudit(context.prisma, {
      caller: context.caller,
      operation,
      targetId: options.targetOf?.(result) ?? targetId,
      outcome: 'SUCCESS',
      companyId: options.companyOf?.(result) ?? options.companyId,
      details: asked,
    });
    return result;
  } catch (error) {
    await recordAudit(context.prisma, {
      caller: context.caller,
      operation,
      targetId,
      outcome: 'FAILURE',
      companyId: options.companyId,
      details: { error: error instanceof DomainError ? error.name : 'InternalError', ...asked },
    });
    throw error;
  }
}

/**
 * The one way a mutation calls the domain: a verb of `context.services`, audited. What
 * the verb returns is the union's success; a domain error it throws becomes the union's
 * error member (the errors plugin); anything else is masked.
 */
export function serviceResult<Result>(
  context: GraphQLContext,
  operation: string,
  targetId: string | null,
  call: (services: FleetServices) => Promise<Result>,
  options: Parameters<typeof audited<Result>>[4] = {},
): Promise<Result> {
  return audited(context, operation, targetId, () => call(context.services), options);
}

/** Input fields without those the caller set to null: the services take a missing field as "not given". */
export function withoutNulls<Fields extends object>(fields: Fields): { [K in keyof Fields]: Exclude<Fields[K], null> } {
  return Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== null)) as {
    [K in keyof Fields]: Exclude<Fields[K], null>;
  };
}

/**
 * The Prisma arguments of a field re-read after its work. When the caller selected only
 * `__typename`, Pothos hands over an empty `select`, which Prisma refuses ("must not be
 * empty") after the change was already committed; the id is always a valid selection.
 */
export function selectionOf<Query extends { select?: object }>(query: Query): Query {
  return query.select && Object.keys(query.select).length === 0 ? { ...query, select: { id: true } } : query;
}
