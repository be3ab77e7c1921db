import { randomBytes } from 'node:crypto';
import { createServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { connect, type AddressInfo, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { sameSecret } from '../http/same-secret.js';
import { checkDestination, type NetPolicy } from './net-policy.js';

/** What the proxy refused, for the browser tool to tell the model. */
export interface Refusal {
  url: string;
  reason: string;
}

/** Marks a response the proxy made itself to refuse a request (the browser tool tells a refused navigation by it). */
export const refusedHeader = 'x-clawflow-refused';

/** A connection through the proxy with nothing flowing for this long is closed (a page left open does not pin sockets). */
const idleMs = 120_000;

const hopByHop = ['connection', 'keep-alive', 'proxy-authenticate', 'proxy-authorization', 'proxy-connection', 'te', 'trailer', 'transfer-encoding', 'upgrade'];

/**
 * The one way out for the agent's browser: an HTTP proxy on loopback that every request of every page goes through
 * (navigations, redirects — which Playwright's request routing does not see —, frames, subresources, popups,
 * workers, WebSockets, downloads). Each request is checked against the network policy and then connected to the
 * very address the check approved, so a name that answers differently the second time (DNS rebinding) gets nowhere.
 * Each browser context signs in with its own name, so a refusal is told to the conversation whose page caused it.
 */
export class BrowserProxy {
  private server: Server | null = null;
  private readonly password = randomBytes(18).toString('base64url');
  private readonly contexts = new Map<string, (refusal: Refusal) => void>();

  constructor(private readonly policy: NetPolicy) {}

  /** Starts listening (once); the proxy server URL for Chromium. */
  async start(): Promise<string> {
    if (!this.server) {
      // Whatever goes wrong with one request ends that request, never the proxy.
      const server = createServer((req, res) => {
        this.forward(req, res).catch((error: unknown) => {
          if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' }).end(`ClawFlow's browser proxy failed: ${(error as Error).message}`);
          else res.destroy();
        });
      });
      const tunnel = (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
        this.tunnel(req, socket, head).catch(() => socket.destroy());
      };
      server.on('connect', tunnel);
      server.on('upgrade', tunnel);
      server.on('clientError', (_error, socket) => socket.destroy());
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      this.server = server;
    }
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** Credentials for one browser context; its refusals go to `onRefusal`. */
  credentials(onRefusal: (refusal: Refusal) => void): { username: string; password: string; release(): void } {
    const username = `ctx-${randomBytes(9).toString('hex')}`;
    this.contexts.set(username, onRefusal);
    return { username, password: this.password, release: () => this.contexts.delete(username) };
  }

  async close(): Promise<void> {
    const server = this.server;
    this.server = null;
    if (!server) return;
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }

  /** The context a request signed in as; null (answered 407) without valid credentials. */
  private contextOf(req: IncomingMessage): ((refusal: Refusal) => void) | null {
    const header = req.headers['proxy-authorization'] ?? '';
    const [scheme, encoded] = header.split(' ');
    if (scheme?.toLowerCase() !== 'basic' || !encoded) return null;
    const [username, password] = Buffer.from(encoded, 'base64').toString('utf8').split(':');
    if (!sameSecret(password ?? '', this.password)) return null;
    return this.contexts.get(username ?? '') ?? null;
  }

  /** Plain HTTP through the proxy: `GET http://host/path`. */
  private async forward(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const report = this.contextOf(req);
    if (!report) return void res.writeHead(407, { 'proxy-authenticate': 'Basic realm="clawflow"' }).end();
    const url = req.url ?? '';
    const destination = await checkDestination(url, this.policy);
    if (!destination.ok) {
      report({ url, reason: destination.reason });
      req.resume();
      return void res.writeHead(403, { 'content-type': 'text/plain', [refusedHeader]: '1' }).end(`ClawFlow refused ${url}: ${destination.reason}`);
    }
    const target = new URL(url);
    const headers = Object.fromEntries(Object.entries(req.headers).filter(([name]) => !hopByHop.includes(name)));
    const upstream = httpRequest(
      {
        host: destination.address,
        family: destination.family,
        port: target.port || 80,
        path: `${target.pathname}${target.search}`,
        method: req.method,
        headers: { ...headers, host: target.host },
      },
      (answer) => {
        const out = Object.fromEntries(Object.entries(answer.headers).filter(([name]) => !hopByHop.includes(name)));
        res.writeHead(answer.statusCode ?? 502, out as Record<string, string | string[]>);
        answer.pipe(res);
      },
    );
    upstream.on('error', (error) => {
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' }).end(`ClawFlow could not reach ${target.host}: ${error.message}`);
      else res.destroy();
    });
    upstream.setTimeout(idleMs, () => upstream.destroy(new Error(`no answer for ${idleMs / 1000} s`)));
    // The browser went away (a page closed, a download cancelled): so does the request it made.
    res.on('close', () => upstream.destroy());
    req.pipe(upstream);
  }

  /** HTTPS (`CONNECT host:443`) and WebSockets: a byte tunnel to the checked address. */
  private async tunnel(req: IncomingMessage, client: Duplex, head: Buffer): Promise<void> {
    client.on('error', () => undefined);
    const report = this.contextOf(req);
    if (!report)
      return void client.end('HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm="clawflow"\r\nContent-Length: 0\r\n\r\n');
    const isConnect = req.method === 'CONNECT';
    // CONNECT names host:port; a plain WebSocket upgrade names its absolute URL.
    const url = isConnect ? `https://${req.url}/` : (req.url ?? '');
    const destination = await checkDestination(url.replace(/^ws/, 'http'), this.policy);
    if (!destination.ok) {
      report({ url: isConnect ? `https://${req.url}` : url, reason: destination.reason });
      return void client.end(`HTTP/1.1 403 Forbidden\r\nContent-Type: text/plain\r\nContent-Length: 0\r\n\r\n`);
    }
    // The browser may have given up while the name resolved.
    if (client.destroyed) return;
    const target = new URL(url);
    const secure = target.protocol === 'https:' || target.protocol === 'wss:';
    const upstream: Socket = connect({ host: destination.address, port: Number(target.port || (secure ? 443 : 80)), family: destination.family });
    upstream.on('error', () => client.destroy());
    upstream.setTimeout(idleMs, () => upstream.destroy());
    upstream.on('close', () => client.destroy());
    client.on('close', () => upstream.destroy());
    upstream.once('connect', () => {
      if (isConnect) client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      else {
        // Replay the upgrade request to the server, without what was meant for the proxy.
        const lines = [`${req.method} ${target.pathname}${target.search} HTTP/1.1`];
        for (let i = 0; i < req.rawHeaders.length; i += 2)
          if (!hopByHop.includes(req.rawHeaders[i]!.toLowerCase()) || /^(connection|upgrade)$/i.test(req.rawHeaders[i]!))
            lines.push(`${req.rawHeaders[i]}: ${req.rawHeaders[i + 1]}`);
        upstream.write(`${lines.join('\r\n')}\r\n\r\n`);
      }
      if (head.length) upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
  }
}
