import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { listen, type ListeningServer } from '../http/listen.js';
import type { Payload, PayloadCodec } from '@temporalio/common';
import { z } from 'zod';
import { answerJson } from '../http/answer-json.js';
import { cookieOf } from '../http/cookies.js';
import { BodyError, readJsonBody } from '../http/read-json-body.js';
import { applyCors, drain, guardRequest, type GuardPolicy } from '../http/request-guard.js';
import { sameSecret } from '../http/same-secret.js';
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

/**
 * Temporal's remote codec protocol for one request whose caller has been checked: reads the payloads (JSON, at most
 * 8 MB), opens (`decode`) or seals (`encode`) them with the install's codec, and answers them.
 */
export async function serveCodec(req: IncomingMessage, res: ServerResponse, operation: 'decode' | 'encode', codec: PayloadCodec): Promise<void> {
  let body: unknown;
  try {
    body = await readJsonBody(req, maxBodyBytes, 'payloads');
  } catch (error) {
    if (!(error instanceof BodyError)) throw error;
    return answerJson(res, error.reason === 'too_large' ? 413 : 400, { message: error.message });
  }
  const parsed = payloadsSchema.safeParse(body);
  if (!parsed.success) return answerJson(res, 400, { message: 'send {"payloads": [{"metadata": {…}, "data": "…"}]}' });
  const payloads = parsed.data.payloads.map(fromJson);
  try {
    const done = operation === 'decode' ? await codec.decode(payloads) : await codec.encode(payloads);
    answerJson(res, 200, { payloads: done.map(toJson) });
  } catch (error) {
    answerJson(res, 422, { message: (error as Error).message });
  }
}

export interface CodecServerOptions {
  host: string;
  port: number;
  codec: PayloadCodec;
  /** The install's Web UI key: a caller shows it as `Authorization: Bearer <key>`, or holds the cookie its link gave. */
  key: string;
  /** The Web UI's origins (its page calls /decode from the browser): they alone get CORS headers. */
  allowedOrigins: readonly string[];
  logger: Logger;
}

/**
 * Temporal's remote codec protocol (POST /decode, POST /encode) for a Temporal Web UI or CLI that ClawFlow does not
 * serve itself: the key holder reads encrypted sessions. Loopback; only a caller with the install's key (a bearer
 * token, or the cookie `GET /?token=<key>` gives a browser); JSON bodies only; only the named origins may read the
 * answers (CORS with credentials), so no other page the user opens can use it.
 */
export async function startCodecServer(options: CodecServerOptions): Promise<ListeningServer & { openUrl: string }> {
  const policy = (server: Server): GuardPolicy => ({
    port: (server.address() as AddressInfo | null)?.port ?? 0,
    allowedHosts: [],
    allowedOrigins: options.allowedOrigins,
  });
  // What a browser holds once it opened the key-bearing link: random for this process, never the key itself (a cookie
  // of 127.0.0.1 reaches every port of it); per port, so two servers never overwrite each other's.
  const cookieValue = randomBytes(32).toString('base64url');
  let codecCookie = 'clawflow_codec';
  const authorized = (req: IncomingMessage): boolean => {
    const bearer = /^Bearer (.+)$/i.exec(req.headers.authorization ?? '')?.[1];
    if (bearer !== undefined) return sameSecret(bearer, options.key);
    const cookie = cookieOf(req, codecCookie);
    return cookie !== undefined && sameSecret(cookie, cookieValue);
  };
  const handle = async (req: IncomingMessage, res: ServerResponse, server: Server): Promise<void> => {
    // The Web UI's calls carry credentials (the cookie): an allowed origin's answers, preflights too, say they may.
    if (req.headers.origin && options.allowedOrigins.includes(req.headers.origin)) {
      res.setHeader('access-control-allow-credentials', 'true');
      // A public site's page (the Temporal Cloud UI) reaching this loopback server: the browser asks first (Private
      // Network Access); an allowed origin is told it may.
      if (req.headers['access-control-request-private-network'] === 'true') res.setHeader('access-control-allow-private-network', 'true');
    }
    if (applyCors(req, res, policy(server), ['content-type', 'x-namespace', 'authorization'])) return;
    const url = new URL(req.url ?? '/', 'http://codec');
    const refused = guardRequest(req, policy(server), req.method === 'POST' ? { accepted: ['application/json'] } : undefined);
    if (refused) {
      drain(req);
      return answerJson(res, refused.status, { message: refused.message });
    }
    if (req.method === 'GET' && url.pathname === '/' && url.searchParams.has('token')) {
      drain(req);
      if (!sameSecret(url.searchParams.get('token')!, options.key)) return answerJson(res, 401, { message: 'that link carries the wrong key' });
      // Sent with the Web UI's cross-origin calls when it includes credentials (its codec setting).
      res.writeHead(200, {
        'set-cookie': `${codecCookie}=${cookieValue}; HttpOnly; Secure; SameSite=None; Path=/; Max-Age=${400 * 86_400}`,
        'content-type': 'text/plain',
        'cache-control': 'no-store',
        'referrer-policy': 'no-referrer',
      });
      return void res.end('This browser may now use the codec server: in the Web UI, turn on "Include cross-origin credentials" in its codec settings.\n');
    }
    const operation = url.pathname === '/decode' ? 'decode' : url.pathname === '/encode' ? 'encode' : null;
    if (req.method !== 'POST' || !operation) {
      drain(req);
      return answerJson(res, 404, { message: 'this codec server serves POST /decode and POST /encode' });
    }
    if (!authorized(req)) {
      drain(req);
      return answerJson(res, 401, {
        message:
          "the codec server wants the install's Web UI key: Authorization: Bearer <key> (secrets/web-ui-token), or open the link `clawflow codec-server` printed in this browser",
      });
    }
    await serveCodec(req, res, operation, options.codec);
  };
  const server: Server = createServer((req, res) => {
    handle(req, res, server).catch((error: unknown) => {
      options.logger.warn({ err: (error as Error).message }, 'the codec server failed a request');
      if (!res.headersSent) answerJson(res, 500, { message: 'the codec server failed' });
    });
  });
  const listening = await listen(server, options.host, options.port);
  codecCookie = `clawflow_codec_${(server.address() as AddressInfo).port}`;
  return { ...listening, openUrl: `${listening.url}/?token=${encodeURIComponent(options.key)}` };
}
