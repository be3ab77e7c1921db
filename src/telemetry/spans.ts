import { context, propagation, SpanStatusCode, trace, type Attributes, type Span } from '@opentelemetry/api';

/**
 * Spans of ClawFlow's own (the runtime's invocation, each model call) through OpenTelemetry's API alone: without
 * tracing started (tracing.ts) they cost nothing and go nowhere.
 */
const tracer = trace.getTracer('clawflow');

/** Runs `work` in a span that ends with it, marked as failed when it throws. */
export function inSpan<T>(name: string, attributes: Attributes, work: (span: Span) => Promise<T>): Promise<T> {
  return tracer.startActiveSpan(name, { attributes }, async (span) => {
    try {
      return await work(span);
    } catch (error) {
      span.recordException(error as Error);
      span.setStatus({ code: SpanStatusCode.ERROR, message: (error as Error).message });
      throw error;
    } finally {
      span.end();
    }
  });
}

/** Runs `work` in the trace an incoming request names (W3C traceparent), if it names one. */
export function inIncomingTrace<T>(headers: Record<string, string | string[] | undefined>, work: () => T): T {
  return context.with(propagation.extract(context.active(), headers), work);
}

/** The headers that carry the current trace on to the next hop (empty without tracing). */
export function traceHeaders(): Record<string, string> {
  const headers: Record<string, string> = {};
  propagation.inject(context.active(), headers);
  return headers;
}
