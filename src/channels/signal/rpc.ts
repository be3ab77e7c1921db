import { fetchWithin } from '../../http/deadline.js';
import { z } from 'zod';

/** A JSON-RPC error signal-cli answered with: its code says what went wrong (-1 user error, -3 I/O, -5 rate limit). */
export class SignalRpcError extends Error {
  override name = 'SignalRpcError';
  constructor(
    message: string,
    readonly code: number,
  ) {
    super(message);
  }

  /** Trying again may help: an I/O or internal failure, or a rate limit. */
  get retryable(): boolean {
    return this.code === -3 || this.code === -5 || this.code === -32603;
  }
}

const rpcResponse = z.object({
  jsonrpc: z.literal('2.0'),
  id: z.union([z.string(), z.number(), z.null()]),
  result: z.unknown().optional(),
  error: z.object({ code: z.number(), message: z.string() }).optional(),
});

/** signal-cli's JSON-RPC over HTTP (`signal-cli -a +NUMBER daemon --http`): one request per POST to /api/v1/rpc. */
export class SignalRpc {
  private nextId = 1;

  constructor(private readonly url: string) {}

  /** The daemon answers (GET /api/v1/check). */
  async check(signal?: AbortSignal): Promise<void> {
    const response = await fetch(new URL('/api/v1/check', this.url), { signal: signal ?? AbortSignal.timeout(10_000) });
    await response.body?.cancel();
    if (!response.ok) throw new Error(`signal-cli at ${this.url} answered HTTP ${response.status} to /api/v1/check`);
  }

  /** Calls a method; a JSON-RPC error becomes a SignalRpcError (signal-cli sends those with HTTP 200). */
  async call<T = unknown>(method: string, params: Record<string, unknown>, options: { timeoutMs?: number; signal?: AbortSignal } = {}): Promise<T> {
    const id = this.nextId++;
    const parsed = await fetchWithin(
      new URL('/api/v1/rpc', this.url),
      { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ jsonrpc: '2.0', method, params, id }) },
      options.timeoutMs ?? 60_000,
      options.signal,
      async (response) => {
        const text = await response.text();
        if (response.status !== 200)
          throw new SignalRpcError(
            `signal-cli answered HTTP ${response.status} to ${method}${text ? `: ${text.slice(0, 200)}` : ''}`,
            response.status >= 500 ? -32603 : -32600,
          );
        let parsed;
        try {
          parsed = rpcResponse.parse(JSON.parse(text));
        } catch {
          throw new SignalRpcError(`signal-cli's answer to ${method} is not a JSON-RPC response: ${text.slice(0, 200)}`, -32603);
        }
        return parsed;
      },
    );
    if (parsed.error) throw new SignalRpcError(`signal-cli: ${parsed.error.message} (${method}, code ${parsed.error.code})`, parsed.error.code);
    return parsed.result as T;
  }
}
