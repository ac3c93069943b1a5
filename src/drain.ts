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
}

const farewell: ExecutionResult = {
  errors: [
    new GraphQLError('The server is shutting down; reconnect to continue.', { extensions: { code: SHUTTING_DOWN } }),
  ],
};

function isAsyncIterable(value: unknown): value is AsyncIterable<ExecutionResult> {
  return typeof (value as { [Symbol.asyncIterator]?: unknown } | null)?.[Symbol.asyncIterator] === 'function';
}

export function createDrain(): Drain {
  let draining = false;
  let open = 0;
  const allEnded: Array<() => void> = [];
  let announce: () => void = () => {};
  const begun = new Promise<void>((resolve) => (announce = resolve));

  /** `source`, until draining begins: then the farewell, and the end (the source is closed). */
  async function* untilDrained(source: AsyncIterable<ExecutionResult>): AsyncGenerator<ExecutionResult> {
    const iterator = source[Symbol.asyncIterator]();
    const ended = begun.then(() => 'drained' as const);
    open += 1;
    try {
      for (;;) {
        const next = await Promise.race([iterator.next(), ended]);
        if (next === 'drained') {
          yield farewell;
          return;
        }
        if (next.done) return;
        yield next.value;
      }
    } finally {
      await iterator.return?.();
      open -= 1;
      if (open === 0) for (const resolve of allEnded.splice(0)) resolve();
    }
  }

  return {
    get draining() {
      return draining;
    },
    begin() {
      draining = true;
      announce();
    },
    settled() {
      return open === 0 ? Promise.resolve() : new Promise((resolve) => allEnded.push(resolve));
    },
    plugin: {
      onSubscribe() {
        return {
          onSubscribeResult({ result, setResult }) {
            if (isAsyncIterable(result)) setResult(untilDrained(result));
          },
        };
      },
    },
  };
}
