import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { listen, type ListeningServer } from '../http/listen.js';
import type { Payload, PayloadCodec } from '@temporalio/common';
import { z } from 'zod';
import { BodyError, readJsonBody } from '../http/read-json-body.js';
import { applyCors, drain, guardRequest, type GuardPolicy } from '../http/request-guard.js';
import type { Logger } from '../logger.js';

const maxBodyBytes = 8 * 1024 * 1024;

/** The codec server protocol's body: payloads as proto3 JSON (bytes base64-encoded). */
const payloadsSchema = z.object({
  payloads: z.array(z.object({ metadata: z.record(z.string(), z.string()).optional(), data: z.string().optional() }).loose()).max(10_000),
});

const fromJson = (p: z.infer<typeof payloadsSchema>['payloads'][number]): Payload => ({
  metadata: Object.fromEntries(Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64')])),
  data: Buffer.from(p.data ?? '', 'base64'),
});
const toJson = (p: Payload) => ({
  metadata: Object.fromEntries(Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v ?? new Uint8Array()).toString('base64')])),
  data: Buffer.from(p.data ?? new Uint8Array()).toString('base64'),
});

/** The origins of the dev server's own Web UI, which calls the codec server from the user's browser. */
export function devServerUiOrigins(uiPort: number): string[] {
  return [`http://127.0.0.1:${uiPort}`, `http://localhost:${uiPort}`];
}

export interface CodecServerOptions {
  host: string;
  port: number;
  codec: PayloadCodec;
  /** The Web UI's origins (its own page calls /decode from the browser): they alone get CORS headers. */
  allowedOrigins: readonly string[];
  logger: Logger;
}

/**
 * Temporal's remote codec protocol (POST /decode, POST /encode) for the Web UI: the key holder's browser reads
 * encrypted sessions in the UI. Loopback; JSON bodies only; only the UI's origins may read the answers (CORS), so
 * no other page the user opens can use it.
 */
export async function startCodecServer(options: CodecServerOptions): Promise<ListeningServer> {
  const policy = (server: Server): GuardPolicy => ({ port: (server.address() as AddressInfo | null)?.port ?? 0, allowedHosts: [], allowedOrigins: options.allowedOrigins });
  const answer = (res: ServerResponse, status: number, body: unknown): void => {
    const text = JSON.stringify(body);
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
    res.end(text);
  };
  const handle = async (req: IncomingMessage, res: ServerResponse, server: Server): Promise<void> => {
    if (applyCors(req, res, policy(server), ['content-type', 'x-namespace', 'authorization'])) return;
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'POST' || (path !== '/decode' && path !== '/encode')) {
      drain(req);
      return answer(res, 404, { message: 'this codec server serves POST /decode and POST /encode' });
    }
    const refused = guardRequest(req, policy(server), { accepted: ['application/json'] });
    if (refused) {
      drain(req);
      return answer(res, refused.status, { message: refused.message });
    }
    let body: unknown;
    try {
      body = await readJsonBody(req, maxBodyBytes, 'payloads');
    } catch (error) {
      if (!(error instanceof BodyError)) throw error;
      return answer(res, error.reason === 'too_large' ? 413 : 400, { message: error.message });
    }
    const parsed = payloadsSchema.safeParse(body);
    if (!parsed.success) return answer(res, 400, { message: 'send {"payloads": [{"metadata": {…}, "data": "…"}]}' });
    const payloads = parsed.data.payloads.map(fromJson);
    try {
      const done = path === '/decode' ? await options.codec.decode(payloads) : await options.codec.encode(payloads);
      answer(res, 200, { payloads: done.map(toJson) });
    } catch (error) {
      answer(res, 422, { message: (error as Error).message });
    }
  };
  const server: Server = createServer((req, res) => {
    handle(req, res, server).catch((error: unknown) => {
      options.logger.warn({ err: (error as Error).message }, 'the codec server failed a request');
      if (!res.headersSent) answer(res, 500, { message: 'the codec server failed' });
    });
  });
  return listen(server, options.host, options.port);
}
