// Everything the server measures and traces, built once by the composition root and
// passed to the app, the jobs and the wrappers that record into it.
import type { Logger } from '../logger.js';
import { createFleetMetrics, type FleetMetrics } from './metrics.js';
import { createRequestContext, type RequestContext } from './request-context.js';
import type { Tracing } from './tracing.js';

export interface Telemetry {
  metrics: FleetMetrics;
  /** null when traces go nowhere: spans are then not even created */
  tracing: Tracing | null;
  context: RequestContext;
}

export function createTelemetry(options: { tracing?: Tracing | null; defaultMetrics?: boolean } = {}): Telemetry {
  return {
    metrics: createFleetMetrics({ defaultMetrics: options.defaultMetrics }),
    tracing: options.tracing ?? null,
    context: createRequestContext(),
  };
}

/** A logger whose lines carry the id of the request (or worker step) being served. */
export function withRequestIds(logger: Logger, context: RequestContext): Logger {
  const tagged =
    (write: Logger['info']) =>
    (message: string, fields?: Record<string, unknown>): void => {
      const scope = context.current();
      write(message, scope ? { requestId: scope.requestId, ...fields } : fields);
    };
  return {
    debug: tagged(logger.debug),
    info: tagged(logger.info),
    warn: tagged(logger.warn),
    error: tagged(logger.error),
  };
}
