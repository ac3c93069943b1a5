// Every subscription stream passes through one wrapper (drain.ts): it ends the stream with
// a farewell when the server drains, maps results and errors (masking, for graphql-ws
// streams), and tells the open-stream gauge when a stream opens and ends.
import type { ExecutionResult } from 'graphql';
import { Repeater } from 'graphql-yoga';
import { describe, expect, it } from 'vitest';
import { createDrain, SHUTTING_DOWN } from '../src/drain.js';

/** A source that yields what is pushed, and records that it was closed. */
function source() {
  let push!: (value: ExecutionResult) => Promise<unknown>;
  let fail!: (error: Error) => void;
  let closed = false;
  const stream = new Repeater<ExecutionResult>(async (next, stop) => {
    push = next;
    fail = (error) => stop(error);
    await stop;
    closed = true;
  });
  return {
    stream,
    push: (value: ExecutionResult) => push(value),
    fail: (error: Error) => fail(error),
    closed: () => closed,
  };
}

describe('the stream wrapper', () => {
  it('maps results and errors, and counts the stream open until it ends', async () => {
    const counts = { open: 0, ended: 0 };
    const drain = createDrain({ onOpen: () => (counts.open += 1), onEnd: () => (counts.ended += 1) });
    const { stream, push, fail } = source();
    const tracked = drain.track(
      stream,
      'ws',
      (result) => ({ data: { mapped: result.data } }),
      (error) => new Error(`masked: ${(error as Error).message}`),
    );
    const first = tracked.next();
    void push({ data: { n: 1 } });
    expect(await first).toEqual({ done: false, value: { data: { mapped: { n: 1 } } } });
    expect(counts).toEqual({ open: 1, ended: 0 });
    const second = tracked.next();
    fail(new Error('boom'));
    await expect(second).rejects.toThrow('masked: boom');
    await tracked.return?.();
    expect(counts).toEqual({ open: 1, ended: 1 });
    await drain.settled();
  });

  it('gives a waiting stream the farewell when draining begins, then ends it and closes its source', async () => {
    const drain = createDrain();
    const { stream, closed } = source();
    const tracked = drain.track(stream, 'sse');
    const waiting = tracked.next();
    let settled = false;
    void drain.settled().then(() => (settled = true));
    drain.begin();
    const farewell = await waiting;
    expect(farewell.done).toBe(false);
    expect((farewell.value as ExecutionResult).errors?.[0]?.extensions?.code).toBe(SHUTTING_DOWN);
    expect(await tracked.next()).toEqual({ done: true, value: undefined });
    await new Promise((resolve) => setImmediate(resolve));
    expect(closed()).toBe(true);
    expect(settled).toBe(true);
  });

  it('gives the farewell first to a stream between two events, and to a stream opened while draining', async () => {
    const drain = createDrain();
    const between = source();
    const tracked = drain.track(between.stream, 'ws');
    const first = tracked.next();
    void between.push({ data: { n: 1 } });
    await first;
    drain.begin();
    expect((await tracked.next()).value?.errors?.[0]?.extensions?.code).toBe(SHUTTING_DOWN);
    expect((await tracked.next()).done).toBe(true);
    const late = drain.track(source().stream, 'ws');
    expect((await late.next()).value?.errors?.[0]?.extensions?.code).toBe(SHUTTING_DOWN);
    expect((await late.next()).done).toBe(true);
  });
});
