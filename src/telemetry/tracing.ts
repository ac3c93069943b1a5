// OpenTelemetry spans without the global OpenTelemetry registration: the tracer is made
// by the composition root and the parent of a span comes from our own request context.
// Without a tracer (OTEL_EXPORTER_OTLP_ENDPOINT unset) `inSpan` runs the work directly.
import { SpanStatusCode, trace, type Attributes, type Tracer } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  BasicTracerProvider,
  BatchSpanProcessor,
  SimpleSpanProcessor,
  type SpanExporter,
} from '@opentelemetry/sdk-trace-base';
import type { RequestContext } from './request-context.js';

export interface Tracing {
  tracer: Tracer;
  /** flushes the spans not yet exported */
  shutdown(): Promise<void>;
}

export interface TracingOptions {
  serviceName: string;
  /** OTLP/HTTP base URL (the collector's, without /v1/traces) */
  otlpEndpoint?: string;
  /** an exporter of our own (tests): spans are handed over one by one, at once */
  exporter?: SpanExporter;
}

export function createTracing(options: TracingOptions): Tracing | null {
  const processor = options.exporter
    ? new SimpleSpanProcessor(options.exporter)
    : options.otlpEndpoint
      ? new BatchSpanProcessor(new OTLPTraceExporter({ url: `${options.otlpEndpoint.replace(/\/$/, '')}/v1/traces` }))
      : null;
  if (!processor) return null;
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': options.serviceName }),
    spanProcessors: [processor],
  });
  return { tracer: provider.getTracer('odoo-fleet-api'), shutdown: () => provider.shutdown() };
}

/**
 * Runs `work` in a span that is a child of the current one; the work's own spans are
 * its children. Errors mark the span and are rethrown.
 */
export async function inSpan<T>(
  tracing: Tracing | null,
  context: RequestContext,
  name: string,
  attributes: Attributes,
  work: () => Promise<T>,
): Promise<T> {
  const scope = context.current();
  if (!tracing || !scope) return work();
  const span = tracing.tracer.startSpan(
    name,
    { attributes: { ...attributes, 'fleet.request_id': scope.requestId } },
    scope.traceContext,
  );
  try {
    return await context.run({ ...scope, traceContext: trace.setSpan(scope.traceContext, span) }, work);
  } catch (error) {
    span.recordException(error instanceof Error ? error : String(error));
    span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
    throw error;
  } finally {
    span.end();
  }
}
