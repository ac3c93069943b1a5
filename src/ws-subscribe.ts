// graphql-ws subscriptions are parsed, validated and given their context by Yoga's
// pipeline (app.ts), then run here rather than through its `subscribe`: there, each
// plugin that follows a stream (error masking, the drain, the open-stream gauge) wraps
// every stream in an iterator of its own and adds a step to every event, which at 10,000
// subscribers is most of a delivery's cost and of a stream's memory. Here one wrapper
// (drain.ts `track`) does those jobs for a stream, and the start is counted as the
// telemetry plugin counts it for SSE streams.
import { subscribe, type ExecutionArgs, type ExecutionResult, type GraphQLError } from 'graphql';
import { isAsyncIterable, type Drain } from './drain.js';
import type { Telemetry } from './telemetry/telemetry.js';
import { subscriptionStarted } from './telemetry/yoga-telemetry.js';

export interface SocketSubscribeDeps {
  drain: Drain;
  telemetry: Telemetry;
  /** what Yoga's masked errors do to an error: an unexpected one hidden (and logged) */
  maskError: (error: unknown) => GraphQLError;
}

export function socketSubscribe(
  deps: SocketSubscribeDeps,
): (args: ExecutionArgs) => Promise<AsyncIterableIterator<ExecutionResult> | ExecutionResult> {
  const maskResult = (result: ExecutionResult): ExecutionResult =>
    result.errors?.length ? { ...result, errors: result.errors.map(deps.maskError) } : result;
  return async (args) => {
    const started = subscriptionStarted(deps.telemetry, args);
    const result = await subscribe(args);
    started(result);
    return isAsyncIterable(result) ? deps.drain.track(result, 'ws', maskResult, deps.maskError) : maskResult(result);
  };
}
