import { runtimeErrorSchema } from '../../contracts/agent-runtime.js';
import { sseEvents } from '../../http/sse.js';
import { TransportError } from './transport.js';

/** Reads the runtime's SSE answer: `delta` events go to `onText`, the `result` event is the answer. */
export async function readEventStream(body: ReadableStream<Uint8Array>, onText: (text: string) => void): Promise<unknown> {
  for await (const event of sseEvents(body)) {
    const data: unknown = JSON.parse(event.data);
    if (event.event === 'delta') onText((data as { text: string }).text);
    else if (event.event === 'result') return data;
    else if (event.event === 'error') {
      const failure = runtimeErrorSchema.safeParse(data);
      if (!failure.success) throw new TransportError(`agent runtime streamed an unexpected error: ${event.data.slice(0, 200)}`, 'retryable', 'RuntimeError');
      const { type, message, retryable } = failure.data.error;
      throw new TransportError(message, type === 'SessionContextMissing' ? 'sessionLost' : retryable ? 'retryable' : 'fatal', type);
    }
  }
  throw new TransportError('agent runtime ended its stream without a result', 'retryable', 'RuntimeProtocolError');
}
