// The shape of every "follow this object to its end" subscription: the object now, then
// one item per status event, ending after a terminal status. Each item carries the status
// its event announced, so an object that moves on before an item is resolved still shows
// every status, in order. Changes are subscribed to before the object is read, so none
// between the read and the subscription is lost.
import { Repeater } from 'graphql-yoga';
import type { GraphQLContext } from '../context.js';
import { untilRevoked } from './fleet/fleet-events.schema.js';

export interface StatusItem<Status extends string> {
  id: string;
  status: Status;
}

export function statusStream<Status extends string>(
  context: GraphQLContext,
  options: {
    /** status changes of this one object */
    changes: AsyncIterable<{ status: string }>;
    /** the object as it is, or null when the caller may not see it */
    current: () => Promise<StatusItem<Status> | null>;
    notFound: () => Error;
    isTerminal: (status: string) => boolean;
    /** skip an event that announces the status last sent (a log line added at the same status) */
    distinct?: boolean;
  },
): AsyncIterable<StatusItem<Status>> {
  return new Repeater<StatusItem<Status>>(async (push, stop) => {
    const changes = untilRevoked(context, options.changes)[Symbol.asyncIterator]();
    stop.then(() => changes.return?.());
    const current = await options.current();
    if (!current) {
      stop(options.notFound());
      return;
    }
    await push(current);
    if (options.isTerminal(current.status)) return stop();
    let sent = current.status;
    for (;;) {
      const next = await changes.next();
      if (next.done) return stop();
      if (options.distinct && next.value.status === sent) continue;
      sent = next.value.status as Status;
      await push({ id: current.id, status: sent });
      if (options.isTerminal(next.value.status)) return stop();
    }
  });
}
