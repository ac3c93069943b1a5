// What a request (or a worker step it started) carries through every await: its id for
// log lines and error extensions, and the trace context its spans hang under. One
// AsyncLocalStorage, created by the composition root with the rest of the telemetry.
import { AsyncLocalStorage } from 'node:async_hooks';
import { randomBytes } from 'node:crypto';
import { ROOT_CONTEXT, trace, TraceFlags, type Context } from '@opentelemetry/api';

export interface RequestScope {
  requestId: string;
  /** the span new spans are children of (a remote parent from `traceparent`, or ours) */
  traceContext: Context;
}

export interface RequestContext {
  current(): RequestScope | undefined;
  run<T>(scope: RequestScope, work: () => T): T;
}

export function createRequestContext(): RequestContext {
  const storage = new AsyncLocalStorage<RequestScope>();
  return {
    current: () => storage.getStore(),
    run: (scope, work) => storage.run(scope, work),
  };
}

const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;
/** ids we accept from clients: short, printable, nothing a log line could be forged with */
const CLIENT_REQUEST_ID = /^[A-Za-z0-9._:@/+=-]{1,128}$/;

/**
 * The scope of an incoming request: its `x-request-id` when it sent a sensible one, else
 * the trace id of its W3C `traceparent`, else a new id; a `traceparent` also becomes the
 * remote parent of the request's spans.
 */
export function scopeFromHeaders(headers: { get(name: string): string | null }): RequestScope {
  const parent = TRACEPARENT.exec(headers.get('traceparent')?.trim().toLowerCase() ?? '');
  const validParent = parent && !/^0+$/.test(parent[1]!) && !/^0+$/.test(parent[2]!) ? parent : null;
  const traceContext = validParent
    ? trace.setSpanContext(ROOT_CONTEXT, {
        traceId: validParent[1]!,
        spanId: validParent[2]!,
        traceFlags: Number.parseInt(validParent[3]!, 16) & TraceFlags.SAMPLED,
        isRemote: true,
      })
    : ROOT_CONTEXT;
  const sent = headers.get('x-request-id')?.trim() ?? '';
  const requestId = CLIENT_REQUEST_ID.test(sent) ? sent : (validParent?.[1] ?? newRequestId());
  return { requestId, traceContext };
}

export function newRequestId(): string {
  return randomBytes(16).toString('hex');
}
