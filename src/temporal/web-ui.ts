import { randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize, sep } from 'node:path';
import type { PayloadCodec } from '@temporalio/common';
import { answerJson } from '../http/answer-json.js';
import { cookieOf } from '../http/cookies.js';
import { listen, type ListeningServer } from '../http/listen.js';
import { BodyError, readBody } from '../http/read-json-body.js';
import { drain, guardRequest, type GuardPolicy } from '../http/request-guard.js';
import { sameSecret } from '../http/same-secret.js';
import type { Logger } from '../logger.js';
import { serveCodec } from './codec-server.js';
import { temporalUiVersion } from './web-ui-assets.js';

/** Temporal's own limit on an HTTP API request (its gRPC message size). */
const maxRequestBytes = 4 * 1024 * 1024;
/** Long enough for the UI's long polls (`waitNewEvent`), short enough that nothing hangs forever. */
const upstreamTimeoutMs = 90_000;
const types: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.gif': 'image/gif',
  '.ico': 'image/x-icon',
  '.webmanifest': 'application/manifest+json',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.ttf': 'font/ttf',
  '.txt': 'text/plain; charset=utf-8',
  '.wasm': 'application/wasm',
};
/** What every answer says about itself: no sniffing, no referrer, framed by nobody but itself. */
const baseHeaders = { 'x-content-type-options': 'nosniff', 'referrer-policy': 'no-referrer', 'x-frame-options': 'SAMEORIGIN' };

export interface WebUiOptions {
  host: string;
  port: number;
  /** The UI's built files (index.html, _app/…): see resolveWebUiAssets. */
  assetsDir: string;
  /** Temporal's HTTP API and the one Host name it answers (frontend.httpAllowedHosts): no browser can send it. */
  temporalHttp: { url: string; hostHeader: string };
  namespace: string;
  /** The install's history codec: the UI decodes payloads through it, on this same origin. Null: history is plain. */
  codec: PayloadCodec | null;
  /** The install's Web UI key: the link that opens the UI carries it, and the browser trades it for a cookie. */
  key: string;
  logger: Logger;
}

/** The settings the UI reads first (`/api/v1/settings`), as ui-server answers them. */
function settings(namespace: string, codecEndpoint: string): unknown {
  return {
    Auth: { Enabled: false, Options: [] },
    BannerText: '',
    DefaultNamespace: namespace,
    ShowTemporalSystemNamespace: false,
    FeedbackURL: '',
    NotifyOnNewVersion: false,
    Codec: { Endpoint: codecEndpoint, PassAccessToken: false, IncludeCredentials: false, DefaultErrorMessage: '', DefaultErrorLink: '' },
    Version: temporalUiVersion.slice(1),
    DisableWriteActions: false,
    WorkflowTerminateDisabled: false,
    WorkflowCancelDisabled: false,
    WorkflowSignalDisabled: false,
    WorkflowUpdateDisabled: false,
    WorkflowResetDisabled: false,
    BatchActionsDisabled: false,
    StartWorkflowDisabled: false,
    HideWorkflowQueryErrors: false,
    RefreshWorkflowCountsDisabled: false,
    ActivityCommandsDisabled: false,
  };
}

function lockedPage(why: string): string {
  return `<!doctype html><meta charset="utf-8"><title>Temporal Web UI</title><body style="font-family: system-ui; max-width: 40em; margin: 4em auto"><h1>Temporal Web UI</h1><p>${why}</p><p>Open it with the link <code>clawflow start</code> printed (or run <code>clawflow status</code> to see it again): the link carries this install's key.</p></body>`;
}

/**
 * The Temporal Web UI, served by ClawFlow itself behind the guard every local surface has: its files from the
 * module Temporal's own UI server embeds, its API calls passed to Temporal's HTTP API under the one Host name that
 * API answers, and the history codec on the same origin. Loopback Host and same-origin only (no DNS rebinding, no
 * other site's page), a key-bearing link traded for a cookie (no other local user), bodies bounded. The dev server
 * runs headless: no listener of its own answers a browser.
 */
export async function startWebUi(options: WebUiOptions): Promise<ListeningServer> {
  // What a browser holds once it opened the key-bearing link: random for this process, never the key itself (a cookie
  // of 127.0.0.1 reaches every port of it); named for the port, so two installs never overwrite each other's.
  const cookieValue = randomBytes(32).toString('base64url');
  let cookieName = `clawflow_temporal_ui_${options.port}`;
  const upstream = new URL(options.temporalHttp.url);
  let policy: GuardPolicy = { port: options.port, allowedHosts: [], allowedOrigins: [] };
  const root = normalize(options.assetsDir);

  const proxy = async (req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> => {
    let body: Buffer = Buffer.alloc(0);
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      try {
        body = await readBody(req, maxRequestBytes, 'the request');
      } catch (error) {
        if (!(error instanceof BodyError)) throw error;
        return answerJson(res, 413, { code: 8, message: error.message }, baseHeaders);
      }
    }
    await new Promise<void>((resolve) => {
      const call = request(
        {
          host: upstream.hostname,
          port: upstream.port,
          method: req.method,
          path: `${url.pathname}${url.search}`,
          // Only what the API reads: never the browser's cookies. Payloads as proto JSON, for the codec to open.
          headers: {
            host: options.temporalHttp.hostHeader,
            accept: 'application/json+no-payload-shorthand',
            ...(body.length ? { 'content-type': 'application/json', 'content-length': body.length } : {}),
          },
          timeout: upstreamTimeoutMs,
        },
        (answer) => {
          res.writeHead(answer.statusCode ?? 502, {
            ...baseHeaders,
            'content-type': answer.headers['content-type'] ?? 'application/json',
            'cache-control': 'no-store',
          });
          answer.pipe(res);
          answer.on('end', resolve);
          answer.on('error', () => {
            res.destroy();
            resolve();
          });
        },
      );
      call.on('timeout', () => call.destroy(new Error(`Temporal's HTTP API did not answer within ${upstreamTimeoutMs} ms`)));
      call.on('error', (error) => {
        if (!res.headersSent) answerJson(res, 502, { code: 14, message: `Temporal's HTTP API is unreachable: ${error.message}` }, baseHeaders);
        else res.destroy();
        resolve();
      });
      // The browser went away (a long poll left): so does the call.
      res.on('close', () => call.destroy());
      call.end(body);
    });
  };

  const file = async (req: IncomingMessage, res: ServerResponse, pathname: string): Promise<void> => {
    const relative = normalize(decodeURIComponent(pathname)).replace(/^[/\\]+/, '');
    const candidate = join(root, relative);
    const inside = candidate === root || candidate.startsWith(`${root}${sep}`);
    const found = inside && !relative.includes('\0') ? await stat(candidate).catch(() => null) : null;
    // The UI routes every other path itself (a single-page app): its index answers them.
    const path = found?.isFile() ? candidate : join(root, 'index.html');
    const immutable = path !== join(root, 'index.html') && relative.startsWith(`_app${sep}immutable${sep}`);
    res.writeHead(200, {
      ...baseHeaders,
      'content-type': types[extname(path).toLowerCase()] ?? 'application/octet-stream',
      'cache-control': immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
    });
    if (req.method === 'HEAD') return void res.end();
    // A browser that goes away mid-file (it cancels loads all the time) closes the file too.
    await pipeline(createReadStream(path), res).catch(() => res.destroy());
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const refused = guardRequest(req, policy);
    if (refused) {
      drain(req);
      return answerJson(res, refused.status, { code: 7, message: refused.message }, baseHeaders);
    }
    let url: URL;
    try {
      url = new URL(req.url ?? '/', `http://${req.headers.host}`);
      decodeURIComponent(url.pathname);
    } catch {
      drain(req);
      return answerJson(res, 400, { code: 3, message: 'not a valid request path' }, baseHeaders);
    }
    const token = url.searchParams.get('token');
    if (req.method === 'GET' && token !== null) {
      drain(req);
      if (!sameSecret(token, options.key))
        return void res.writeHead(401, { ...baseHeaders, 'content-type': 'text/html; charset=utf-8' }).end(lockedPage('That link carries the wrong key.'));
      // The key becomes a cookie for this browser and leaves the address bar.
      url.searchParams.delete('token');
      const cookie = `${cookieName}=${cookieValue}; HttpOnly; SameSite=Strict; Path=/; Max-Age=${7 * 86_400}`;
      return void res.writeHead(303, { ...baseHeaders, location: `${url.pathname}${url.search}`, 'set-cookie': cookie, 'cache-control': 'no-store' }).end();
    }
    const cookie = cookieOf(req, cookieName);
    if (cookie === undefined || !sameSecret(cookie, cookieValue)) {
      drain(req);
      if (url.pathname.startsWith('/api/') || url.pathname.startsWith('/codec/'))
        return answerJson(res, 401, { code: 16, message: 'open the Web UI with the link clawflow start printed' }, baseHeaders);
      return void res
        .writeHead(401, { ...baseHeaders, 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' })
        .end(lockedPage('This page is locked.'));
    }
    // The UI posts its JSON as application/json or as fetch's default text/plain; never a form.
    const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
    if (req.method !== 'GET' && req.method !== 'HEAD' && type && type !== 'application/json' && type !== 'text/plain') {
      drain(req);
      return answerJson(res, 415, { code: 3, message: `Content-Type must be application/json, not ${type}` }, baseHeaders);
    }
    if (url.pathname === '/api/v1/settings' && req.method === 'GET') {
      return answerJson(res, 200, settings(options.namespace, options.codec ? `http://${req.headers.host}/codec` : ''), baseHeaders);
    }
    if (url.pathname === '/codec/decode' || url.pathname === '/codec/encode') {
      if (req.method !== 'POST' || !options.codec) {
        drain(req);
        return answerJson(res, 404, { message: options.codec ? 'POST only' : 'history is not encrypted here: nothing to decode' }, baseHeaders);
      }
      for (const [name, value] of Object.entries(baseHeaders)) res.setHeader(name, value);
      return serveCodec(req, res, url.pathname === '/codec/decode' ? 'decode' : 'encode', options.codec);
    }
    if (url.pathname.startsWith('/api/v1/') && ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'].includes(req.method ?? '')) return proxy(req, res, url);
    if (req.method === 'GET' || req.method === 'HEAD') return file(req, res, url.pathname);
    drain(req);
    answerJson(res, 405, { code: 12, message: `${req.method} is not served here` }, baseHeaders);
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      options.logger.warn({ err: (error as Error).message }, 'the Web UI failed a request');
      if (!res.headersSent) answerJson(res, 500, { code: 13, message: 'the Web UI failed' }, baseHeaders);
      else res.destroy();
    });
  });
  server.on('clientError', (_error, socket) => socket.destroy());
  const listening = await listen(server, options.host, options.port);
  policy = { ...policy, port: (server.address() as AddressInfo).port };
  cookieName = `clawflow_temporal_ui_${policy.port}`;
  return listening;
}
