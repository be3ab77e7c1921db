import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from '../logger.js';
import { runAgentTurn } from './agent-turn.js';
import { invocationSchema, runtimeSessionHeader, type PingBody, type RuntimeErrorBody } from './contract.js';
import { ProviderError, type ModelProvider } from './providers/provider.js';

const maxBodyBytes = 10 * 1024 * 1024;

export interface RuntimeServerOptions {
  provider: ModelProvider;
  logger: Logger;
}

export interface RunningRuntime {
  url: string;
  server: Server;
  close(): Promise<void>;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    message: string,
  ) {
    super(message);
  }
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function errorBody(type: string, message: string, retryable: boolean): RuntimeErrorBody {
  return { error: { type, message, retryable } };
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > maxBodyBytes) throw new HttpError(413, 'payload_too_large', `invocation body is larger than ${maxBodyBytes} bytes`);
    chunks.push(chunk);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw new HttpError(400, 'invalid_json', 'invocation body is not valid JSON');
  }
}

/** Tracks `Healthy`/`HealthyBusy`; the timestamp moves only when the status changes (AgentCore's /ping contract). */
class HealthState {
  private busy = 0;
  private changedAt = Math.floor(Date.now() / 1000);

  private status(): PingBody['status'] {
    return this.busy > 0 ? 'HealthyBusy' : 'Healthy';
  }

  enter(): void {
    this.transition(() => (this.busy += 1));
  }

  leave(): void {
    this.transition(() => (this.busy -= 1));
  }

  ping(): PingBody {
    return { status: this.status(), time_of_last_update: this.changedAt };
  }

  private transition(change: () => void): void {
    const before = this.status();
    change();
    if (this.status() !== before) this.changedAt = Math.floor(Date.now() / 1000);
  }
}

/** The agent runtime as an HTTP server speaking the AgentCore Runtime contract. */
export function createRuntimeServer({ provider, logger }: RuntimeServerOptions): Server {
  const health = new HealthState();

  const invoke = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const sessionId = req.headers[runtimeSessionHeader];
    if (typeof sessionId !== 'string' || sessionId.length < 33 || sessionId.length > 256) {
      throw new HttpError(400, 'missing_session_id', `header ${runtimeSessionHeader} is required (33-256 characters)`);
    }
    const parsed = invocationSchema.safeParse(await readJson(req));
    if (!parsed.success) {
      throw new HttpError(400, 'invalid_invocation', parsed.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; '));
    }
    const abort = new AbortController();
    res.on('close', () => abort.abort());
    health.enter();
    try {
      const result = await runAgentTurn(provider, parsed.data, abort.signal);
      sendJson(res, 200, result);
    } finally {
      health.leave();
    }
  };

  return createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method === 'GET' && path === '/ping') return sendJson(res, 200, health.ping());
    if (req.method === 'POST' && path === '/invocations') {
      invoke(req, res).catch((error: unknown) => {
        if (res.headersSent || res.destroyed) return logger.debug({ err: (error as Error).message }, 'invocation abandoned by its caller');
        if (error instanceof HttpError) return sendJson(res, error.status, errorBody(error.type, error.message, false));
        if (error instanceof ProviderError) {
          logger.warn({ err: error.message, retryable: error.retryable }, 'model call failed');
          return sendJson(res, 502, errorBody('ProviderError', error.message, error.retryable));
        }
        logger.error({ err: error }, 'invocation failed');
        return sendJson(res, 500, errorBody('RuntimeError', (error as Error).message, true));
      });
      return;
    }
    sendJson(res, 404, errorBody('not_found', `no route for ${req.method} ${path}; this runtime serves POST /invocations and GET /ping`, false));
  });
}

/** Starts the runtime on host:port (port 0 picks a free one). */
export async function startRuntime(options: RuntimeServerOptions & { host: string; port: number }): Promise<RunningRuntime> {
  const runtime = createRuntimeServer(options);
  await new Promise<void>((resolve, reject) => {
    runtime.once('error', reject);
    runtime.listen(options.port, options.host, () => resolve());
  });
  const { port } = runtime.address() as AddressInfo;
  return {
    url: `http://${options.host}:${port}`,
    server: runtime,
    close: () =>
      new Promise<void>((resolve) => {
        runtime.closeAllConnections();
        runtime.close(() => resolve());
      }),
  };
}
