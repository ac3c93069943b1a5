// The Yoga/envelop plugin that measures and traces GraphQL operations: counts and
// durations by operation name and outcome, open subscriptions by transport, a span per
// operation, and the request id in every error's extensions. Operations over graphql-ws
// have no HTTP request around them, so each gets its own request scope here.
import { GraphQLError, getOperationAST, type ExecutionResult } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { ROOT_CONTEXT } from '@opentelemetry/api';
import { newRequestId, type RequestScope } from './request-context.js';
import { secondsSince } from './metrics.js';
import type { Telemetry } from './telemetry.js';
import { inSpan } from './tracing.js';

/** Client-chosen operation names are labels: past this many distinct ones, they count as "other". */
const MAX_OPERATION_NAMES = 200;

/** Each telemetry's operation names seen so far (a label set kept bounded). */
const namesSeen = new WeakMap<Telemetry, Set<string>>();

function operationOf(
  telemetry: Telemetry,
  args: { document: Parameters<typeof getOperationAST>[0]; operationName?: string | null },
) {
  let knownNames = namesSeen.get(telemetry);
  if (!knownNames) namesSeen.set(telemetry, (knownNames = new Set()));
  const operation = getOperationAST(args.document, args.operationName ?? undefined);
  let name = operation?.name?.value ?? 'anonymous';
  if (!knownNames.has(name)) {
    if (knownNames.size >= MAX_OPERATION_NAMES) name = 'other';
    else knownNames.add(name);
  }
  return { name, type: operation?.operation ?? 'query' };
}

/**
 * Counts a subscription's start (its outcome and the time it took), from where it started:
 * the plugin below for SSE, the graphql-ws handler for WebSocket streams (app.ts).
 */
export function subscriptionStarted(
  telemetry: Telemetry,
  args: { document: Parameters<typeof getOperationAST>[0]; operationName?: string | null },
): (result: ExecutionResult | AsyncIterable<unknown>) => void {
  const { name } = operationOf(telemetry, args);
  const started = performance.now();
  return (result) => {
    const streaming = Symbol.asyncIterator in result;
    const outcome = streaming && !('errors' in result && result.errors) ? 'success' : 'error';
    telemetry.metrics.graphqlOperations.inc({ operation: name, type: 'subscription', outcome });
    telemetry.metrics.graphqlDuration.observe(
      { operation: name, type: 'subscription', outcome },
      secondsSince(started),
    );
  };
}

export function telemetryPlugin(telemetry: Telemetry): Plugin {
  const { metrics, context } = telemetry;

  /** the scope of the request, or a fresh one for an operation over graphql-ws */
  const scopeFor = (): { scope: RequestScope; fresh: boolean } => {
    const current = context.current();
    return current
      ? { scope: current, fresh: false }
      : { scope: { requestId: newRequestId(), traceContext: ROOT_CONTEXT }, fresh: true };
  };

  const tagErrors = (result: ExecutionResult, requestId: string): ExecutionResult | null => {
    if (!result.errors?.length || result.errors.every((error) => error.extensions?.requestId === requestId))
      return null;
    return {
      ...result,
      errors: result.errors.map(
        (error) =>
          new GraphQLError(error.message, {
            nodes: error.nodes,
            source: error.source,
            positions: error.positions,
            path: error.path,
            originalError: error.originalError,
            extensions: { ...error.extensions, requestId },
          }),
      ),
    };
  };

  return {
    onExecute({ args, executeFn, setExecuteFn }) {
      const { name, type } = operationOf(telemetry, args);
      const { scope, fresh } = scopeFor();
      setExecuteFn((executeArgs) => {
        const traced = () =>
          inSpan(
            telemetry.tracing,
            context,
            `graphql.${type} ${name}`,
            { 'graphql.operation.name': name, 'graphql.operation.type': type },
            async () => executeFn(executeArgs),
          );
        return fresh ? context.run(scope, traced) : traced();
      });
      const started = performance.now();
      return {
        onExecuteDone({ result, setResult }) {
          if (Symbol.asyncIterator in result) return;
          const outcome = result.errors?.length ? 'error' : 'success';
          metrics.graphqlOperations.inc({ operation: name, type, outcome });
          metrics.graphqlDuration.observe({ operation: name, type, outcome }, secondsSince(started));
          const tagged = tagErrors(result, scope.requestId);
          if (tagged) setResult(tagged);
        },
      };
    },
    onSubscribe({ args }) {
      const started = subscriptionStarted(telemetry, args);
      return {
        // Open streams are counted where every stream passes anyway (drain.ts hooks, see app.ts).
        onSubscribeResult: ({ result }) => started(result),
      };
    },
    onExecutionResult({ result, setResult }) {
      const scope = context.current();
      if (!scope || !result || Symbol.asyncIterator in result) return;
      const tagged = tagErrors(result, scope.requestId);
      if (tagged) setResult(tagged);
    },
  };
}
