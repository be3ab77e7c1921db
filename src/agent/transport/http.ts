import { runtimeErrorSchema, runtimeSessionHeader } from '../../contracts/agent-runtime.js';
import { traceHeaders } from '../../telemetry/spans.js';
import { readEventStream } from './event-stream.js';
import { runtimeAnswerFailure, TransportError, type AgentTransport } from './transport.js';

/** The local agent runtime (or any server speaking the AgentCore container contract) over plain HTTP. */
/** `token`: the runtime's shared secret, sent with every invocation (null: the runtime asks for none). */
export function createHttpTransport(runtimeUrl: string, token: string | null): AgentTransport {
  const endpoint = new URL('/invocations', runtimeUrl).toString();
  return {
    description: `agent runtime at ${runtimeUrl}`,
    async invoke(runtimeSessionId, payload, signal, onText) {
      let response: Response;
      try {
        response = await fetch(endpoint, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            accept: onText ? 'text/event-stream' : 'application/json',
            [runtimeSessionHeader]: runtimeSessionId,
            ...(token ? { authorization: `Bearer ${token}` } : {}),
            // The message's trace goes on into the runtime and its model calls (nothing when tracing is off).
            ...traceHeaders(),
          },
          body: JSON.stringify(payload),
          signal,
        });
      } catch (error) {
        if (signal.aborted) throw error;
        throw new TransportError(
          `agent runtime at ${runtimeUrl} is unreachable: ${String((error as Error).cause ?? (error as Error).message)}`,
          'retryable',
          'RuntimeUnreachable',
        );
      }
      if (response.ok && onText && response.body && response.headers.get('content-type')?.startsWith('text/event-stream'))
        return readEventStream(response.body, onText);
      const body: unknown = await response.json().catch(() => undefined);
      if (response.ok) return body;
      const failure = runtimeErrorSchema.safeParse(body);
      // An answer without the contract's error body (a proxy's page, say) is judged by its status alone.
      const error = failure.success
        ? failure.data.error
        : { type: 'RuntimeError', message: `agent runtime answered HTTP ${response.status}`, retryable: response.status >= 500 || response.status === 429 };
      throw runtimeAnswerFailure(response.status, error);
    },
    // The local runtime keeps no per-session compute: there is nothing to stop.
    stopSession: () => Promise.resolve(),
  };
}
