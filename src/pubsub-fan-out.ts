// The in-process event target of the pub/sub. Publishing only queues the event: delivery
// to the subscribers happens later, in slices of `sliceSize` listeners per turn of the
// event loop, so a mutation that publishes answers without waiting for 10,000 subscribers,
// and requests arriving meanwhile are served between slices. Listeners live in a Set per
// topic, so adding or removing one costs the same for the 10,000th as for the 10th
// (Node's EventTarget walks its list on every add, and warns past 10 listeners).
type Listener = EventListenerOrEventListenerObject;

export interface FanOutOptions {
  /** listeners called per turn of the event loop; default 50 (what a request may wait for between two of its steps) */
  sliceSize?: number;
  /** a listener that throws does not stop the others; its error goes here (default: console.error) */
  onListenerError?: (error: unknown) => void;
}

interface Delivery {
  event: CustomEvent;
  /** the topic's listeners when the event was published */
  listeners: Listener[];
  next: number;
}

export function createFanOutEventTarget(options: FanOutOptions = {}): EventTarget {
  const sliceSize = options.sliceSize ?? 50;
  const onListenerError =
    options.onListenerError ?? ((error: unknown) => console.error('pub/sub listener failed', error));
  const listenersByTopic = new Map<string, Set<Listener>>();
  // One queue for all topics: every listener sees events in the order they were published.
  const queue: Delivery[] = [];
  let scheduled = false;

  const schedule = () => {
    if (scheduled) return;
    scheduled = true;
    setImmediate(deliverSlice);
  };

  function deliverSlice(): void {
    scheduled = false;
    let budget = sliceSize;
    while (queue.length > 0 && budget > 0) {
      const delivery = queue[0]!;
      const current = listenersByTopic.get(delivery.event.type);
      while (delivery.next < delivery.listeners.length && budget > 0) {
        const listener = delivery.listeners[delivery.next++]!;
        budget -= 1;
        // A subscriber that left since the event was published gets nothing.
        if (!current?.has(listener)) continue;
        try {
          if (typeof listener === 'function') listener(delivery.event);
          else listener.handleEvent(delivery.event);
        } catch (error) {
          onListenerError(error);
        }
      }
      if (delivery.next >= delivery.listeners.length) queue.shift();
    }
    if (queue.length > 0) schedule();
  }

  return {
    addEventListener(topic: string, listener: Listener | null) {
      if (!listener) return;
      let listeners = listenersByTopic.get(topic);
      if (!listeners) listenersByTopic.set(topic, (listeners = new Set()));
      listeners.add(listener);
    },
    removeEventListener(topic: string, listener: Listener | null) {
      const listeners = listenersByTopic.get(topic);
      if (!listeners || !listener) return;
      listeners.delete(listener);
      if (listeners.size === 0) listenersByTopic.delete(topic);
    },
    dispatchEvent(event: CustomEvent) {
      const listeners = listenersByTopic.get(event.type);
      if (listeners?.size) {
        queue.push({ event, listeners: [...listeners], next: 0 });
        schedule();
      }
      return true;
    },
  };
}
