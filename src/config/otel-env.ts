import type { RawObject } from './config-file-text.js';

/**
 * The traces endpoint from OpenTelemetry's standard variables, where ClawFlow's own (tracing.otlpEndpoint,
 * CLAWFLOW_OTLP_ENDPOINT) is unset: OTEL_EXPORTER_OTLP_TRACES_ENDPOINT as it is, or OTEL_EXPORTER_OTLP_ENDPOINT with
 * /v1/traces — what `agentcore dev` and AgentCore's observability set. OTEL_SDK_DISABLED=true or
 * OTEL_TRACES_EXPORTER=none keeps tracing off.
 */
export function withOtelEnvironment(raw: RawObject, env: NodeJS.ProcessEnv, origins: Map<string, string>): RawObject {
  const tracing = (raw.tracing ?? {}) as RawObject;
  if (tracing.otlpEndpoint !== undefined) return raw;
  if (env.OTEL_SDK_DISABLED?.trim().toLowerCase() === 'true' || env.OTEL_TRACES_EXPORTER?.trim().toLowerCase() === 'none') return raw;
  const traces = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT?.trim();
  const base = env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim();
  const endpoint = traces || (base ? `${base.replace(/\/+$/, '')}/v1/traces` : undefined);
  if (!endpoint) return raw;
  origins.set('tracing.otlpEndpoint', traces ? 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT' : 'OTEL_EXPORTER_OTLP_ENDPOINT');
  return { ...raw, tracing: { ...tracing, otlpEndpoint: endpoint } };
}
