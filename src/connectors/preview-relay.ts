import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { z } from 'zod';
import { replyRouteSchema } from '../contracts/session-records.js';
import { describeZodError } from '../contracts/zod-issues.js';
import { BodyError, readJsonBody } from '../http/read-json-body.js';
import { checkContentType, drain, guardRequest } from '../http/request-guard.js';
import type { Logger } from '../logger.js';
import { internalTokenHeader, sameSecret } from '../http/internal-token.js';
import type { ReplyDelta } from './reply-previews.js';

const maxDeltaBytes = 64 * 1024;
const deltaSchema = z
  .object({ key: z.string().min(1).max(600), route: replyRouteSchema, stream: z.string().min(1).max(100), text: z.string().max(maxDeltaBytes) })
  .strict();

export interface RunningPreviewRelay {
  url: string;
  close(): Promise<void>;
}

/**
 * Where the agent worker sends the text of replies as the model writes them (`POST /internal/preview`), for the
 * channels that show them growing. Loopback only, this install's internal token, no browsers, bounded bodies.
 */
export async function startPreviewRelay(options: { port: number; internalToken: string; logger: Logger; onDelta: (delta: ReplyDelta) => void }): Promise<RunningPreviewRelay> {
  const policy = { port: options.port, allowedHosts: [], allowedOrigins: [] };
  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const refuse = (status: number, message: string): void => {
      drain(req);
      res.writeHead(status, { 'content-type': 'text/plain' }).end(message);
    };
    if (req.method !== 'POST' || req.url !== '/internal/preview') return refuse(404, 'not found');
    if (req.headers.origin !== undefined) return refuse(403, 'not for browsers');
    const refused = guardRequest(req, policy) ?? checkContentType(req);
    if (refused) return refuse(refused.status, refused.message);
    const given = req.headers[internalTokenHeader];
    if (typeof given !== 'string' || !sameSecret(given, options.internalToken)) return refuse(401, `${internalTokenHeader} is missing or wrong`);
    let body: unknown;
    try {
      body = await readJsonBody(req, maxDeltaBytes + 2_048, 'the delta');
    } catch (error) {
      if (error instanceof BodyError) return void res.writeHead(error.reason === 'too_large' ? 413 : 400, { 'content-type': 'text/plain' }).end(error.message);
      throw error;
    }
    const delta = deltaSchema.safeParse(body);
    if (!delta.success) return void res.writeHead(400, { 'content-type': 'text/plain' }).end(describeZodError(delta.error, 'body'));
    options.onDelta(delta.data);
    res.writeHead(204).end();
  };
  const server: Server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      options.logger.warn({ err: String(error) }, 'the preview relay could not take a request');
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' }).end('internal error');
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  policy.port = port;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
