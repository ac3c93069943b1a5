// Draining for a clean shutdown: from the first moment, /ready answers 503 and new
// GraphQL requests are refused; every open subscription (SSE or graphql-ws) receives a
// last result saying why it ends, then completes, so clients know to reconnect
// elsewhere instead of seeing a cut connection.
import { GraphQLError, type ExecutionResult } from 'graphql';
import type { Plugin } from 'graphql-yoga';

export const SHUTTING_DOWN = 'SHUTTING_DOWN';

export interface Drain {
  readonly draining: boolean;
  /** starts draining: open subscriptions are completed with a reason */
  begin(): void;
  /** resolves when every subscription stream has ended */
  settled(): Promise<void>;
  /** ends every subscription stream it is given when draining begins */
  readonly plugin: Plugin;
  /**
   * The same for a stream that does not pass through Yoga's pipeline (graphql-ws, app.ts),
   * with `map` applied to each of its results and `mapError` to what it throws (error
   * masking) in the same wrapper.
   */
  track(
    source: AsyncIterable<ExecutionResult>,
    transport: StreamTransport,
    map?: (result: ExecutionResult) => ExecutionResult,
    mapError?: (error: unknown) => unknown,
  ): AsyncIterableIterator<ExecutionResult>;
}

const farewell: ExecutionResult = {
  errors: [
    new GraphQLError('The server is shutting down; reconnect to continue.', { extensions: { code: SHUTTING_DOWN } }),
  ],
};

export function isAsyncIterable(value: unknown): value is AsyncIterable<ExecutionResult> {
  return typeof (value as { [Symbol.asyncIterator]?: unknown } | null)?.[Symbol.asyncIterator] === 'function';
}

/** How a stream reaches its client (for the open-subscriptions gauge). */
export type StreamTransport = 'ws' | 'sse';

export interface StreamHooks {
  /** a subscription stream opened */
  onOpen?(transport: StreamTransport): void;
  /** it ended, whichever way (client gone, source done, drained) */
  onEnd?(transport: StreamTransport): void;
}

/**
 * Every open subscription stream passes through one wrapper here, which also tells
 * `hooks` when it opens and ends (one wrapper per stream, not one per concern).
 */
export function createDrain(hooks: StreamHooks = {}): Drain {
  let draining = false;
  const allEnded: Array<() => void> = [];
  /** what ends each open stream when draining begins */
  const open = new Set<() => void>();

  /**
   * `source`, until draining begins: then the farewell, and the end (the source is closed).
   * One small iterator per stream, and nothing added per event: a stream waiting for its next
   * event is interrupted through `open`, not by racing every `next` against the drain.
   */
  function untilDrained(
    source: AsyncIterable<ExecutionResult>,
    transport: StreamTransport,
    map?: (result: ExecutionResult) => ExecutionResult,
    mapError?: (error: unknown) => unknown,
  ): AsyncIterableIterator<ExecutionResult> {
    const iterator = source[Symbol.asyncIterator]();
    let state: 'open' | 'farewell' | 'ended' = 'open';
    let interrupt: ((result: IteratorResult<ExecutionResult>) => void) | null = null;
    const drain = () => {
      if (state !== 'open') return;
      state = 'farewell';
      if (interrupt) {
        // The stream is waiting for an event: it gets the farewell instead.
        interrupt({ done: false, value: farewell });
        interrupt = null;
        state = 'ended';
      }
    };
    const end = async (): Promise<IteratorReturnResult<undefined>> => {
      if (open.delete(drain)) {
        state = 'ended';
        hooks.onEnd?.(transport);
        await iterator.return?.();
        if (open.size === 0) for (const resolve of allEnded.splice(0)) resolve();
      }
      return { done: true, value: undefined };
    };
    open.add(drain);
    hooks.onOpen?.(transport);
    if (draining) drain();
    const stream: AsyncIterableIterator<ExecutionResult> = {
      [Symbol.asyncIterator]: () => stream,
      next() {
        if (state === 'farewell') {
          state = 'ended';
          return Promise.resolve({ done: false, value: farewell });
        }
        if (state === 'ended') return end();
        return new Promise<IteratorResult<ExecutionResult>>((resolve, reject) => {
          interrupt = resolve;
          iterator.next().then(
            (next) => {
              interrupt = null;
              if (next.done) void end();
              resolve(next.done || !map ? next : { done: false, value: map(next.value) });
            },
            (error: unknown) => reject(mapError ? mapError(error) : error),
          );
        });
      },
      return: end,
      throw: async (error: unknown) => {
        await end();
        throw error;
      },
    };
    return stream;
  }

  return {
    get draining() {
      return draining;
    },
    begin() {
      draining = true;
      for (const drain of [...open]) drain();
    },
    track: untilDrained,
    settled() {
      return open.size === 0 ? Promise.resolve() : new Promise((resolve) => allEnded.push(resolve));
    },
    plugin: {
      onSubscribe({ context }) {
        const transport: StreamTransport = 'connectionParams' in context ? 'ws' : 'sse';
        return {
          onSubscribeResult({ result, setResult }) {
            if (isAsyncIterable(result)) setResult(untilDrained(result, transport));
          },
        };
      },
    },
  };
}
