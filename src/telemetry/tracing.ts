import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { Resource } from '@opentelemetry/resources';
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import {
  OpenTelemetryActivityInboundInterceptor,
  OpenTelemetryActivityOutboundInterceptor,
  OpenTelemetryWorkflowClientInterceptor,
} from '@temporalio/interceptors-opentelemetry';
import type { WorkflowClientInterceptor } from '@temporalio/client';
import type { ActivityInterceptorsFactory } from '@temporalio/worker';
import { fileURLToPath } from 'node:url';
import { setTelemetryFlush } from './flush.js';

/**
 * OpenTelemetry traces, when an OTLP endpoint is set (tracing.otlpEndpoint): one trace per message, from the client
 * that sends it (connector, API, CLI), carried through the session workflow in Temporal headers to its activities,
 * and on to the agent runtime and its model calls (W3C traceparent on the invocation). Spans are batched to the
 * endpoint over OTLP/HTTP (JSON).
 */
let started = false;

/** Starts tracing for this process (once), or does nothing when no endpoint is set; says whether it is on. */
export function startTracing(otlpEndpoint: string | undefined): boolean {
  if (!otlpEndpoint) return false;
  if (started) return true;
  const role = process.argv[2] && !process.argv[2].startsWith('-') ? process.argv[2] : 'process';
  const resource = new Resource({ 'service.name': 'clawflow', 'service.instance.id': `${role}-${process.pid}`, 'clawflow.process': role });
  const spanProcessor = new BatchSpanProcessor(new OTLPTraceExporter({ url: otlpEndpoint, timeoutMillis: 5000 }), { scheduledDelayMillis: 1000 });
  const provider = new BasicTracerProvider({ resource, spanProcessors: [spanProcessor] });
  provider.register({ contextManager: new AsyncLocalStorageContextManager().enable(), propagator: new W3CTraceContextPropagator() });
  // A CLI command exits right after its work: what is batched goes out first.
  setTelemetryFlush(() => provider.forceFlush());
  started = true;
  return true;
}

/** Client interceptors that start a trace for each message sent (and carry it into the workflow). */
export function tracingClientInterceptors(): WorkflowClientInterceptor[] {
  return [new OpenTelemetryWorkflowClientInterceptor()];
}

/** What a worker adds when tracing: a span per activity, in the trace its message began. */
export function tracingActivityInterceptors(): ActivityInterceptorsFactory[] {
  return [(ctx) => ({ inbound: new OpenTelemetryActivityInboundInterceptor(ctx), outbound: new OpenTelemetryActivityOutboundInterceptor(ctx) })];
}

/**
 * The workflow interceptors module bundled into the workflow code when tracing: it carries each message's trace on to
 * the activities (not Temporal's workflow span interceptors, which would break running sessions: see the module).
 */
export const tracingWorkflowModule = fileURLToPath(
  new URL(`../workflows/trace-propagation${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`, import.meta.url),
);
