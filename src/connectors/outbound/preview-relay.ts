import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { z } from 'zod';
import { replyRouteSchema } from '../../contracts/session-records.js';
import { readInternalPost } from '../../http/internal-token.js';
import { listen, type ListeningServer } from '../../http/listen.js';
import { drain } from '../../http/request-guard.js';
import type { Logger } from '../../logger.js';
import type { ReplyDelta } from './reply-previews.js';

const maxDeltaBytes = 64 * 1024;
const deltaSchema = z
  .object({ key: z.string().min(1).max(600), route: replyRouteSchema, stream: z.string().min(1).max(100), text: z.string().max(maxDeltaBytes) })
  .strict();

export type RunningPreviewRelay = ListeningServer;

/**
 * Where the agent worker sends the text of replies as the model writes them (`POST /internal/preview`), for the
 * channels that show them growing. Loopback only, this install's internal token, no browsers, bounded bodies.
 */
export async function startPreviewRelay(options: {
  port: number;
  internalToken: string;
  logger: Logger;
  onDelta: (delta: ReplyDelta) => void;
}): Promise<RunningPreviewRelay> {
  const policy = { port: options.port, allowedHosts: [], allowedOrigins: [] };
  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    if (req.method !== 'POST' || req.url !== '/internal/preview') {
      drain(req);
      return void res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
    }
    const delta = await readInternalPost(req, res, {
      policy,
      internalToken: options.internalToken,
      maxBytes: maxDeltaBytes + 2_048,
      what: 'the delta',
      schema: deltaSchema,
    });
    if (!delta) return;
    options.onDelta(delta);
    res.writeHead(204).end();
  };
  const server: Server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      options.logger.warn({ err: String(error) }, 'the preview relay could not take a request');
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' }).end('internal error');
    });
  });
  const relay = await listen(server, '127.0.0.1', options.port);
  policy.port = (server.address() as AddressInfo).port;
  return relay;
}

/** The preview relay, or null (with a warning) when its port is taken: replies then come whole, as on other channels. */
export async function startPreviewRelayIfFree(options: Parameters<typeof startPreviewRelay>[0]): Promise<RunningPreviewRelay | null> {
  return startPreviewRelay(options).catch((error: Error) => {
    options.logger.warn(
      { err: error.message, port: options.port },
      'replies will not show as they are written: the preview port is taken (channels.previewPort)',
    );
    return null;
  });
}
