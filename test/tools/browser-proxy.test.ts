import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { BrowserProxy } from '../../src/tools/browser-proxy.js';

/** A GET through the proxy as Chromium sends it: the absolute URL, signed in as one browser context. */
function viaProxy(proxy: string, url: string, credentials: { username: string; password: string }): { answer: Promise<IncomingMessage>; abort(): void } {
  const { hostname, port } = new URL(proxy);
  const req = request({
    host: hostname,
    port,
    path: url,
    headers: { 'proxy-authorization': `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64')}` },
  });
  const answer = new Promise<IncomingMessage>((resolve, reject) => {
    req.once('response', resolve);
    req.once('error', reject);
  });
  req.end();
  return { answer, abort: () => req.destroy() };
}

describe('the browser proxy', () => {
  const servers: Server[] = [];
  const proxies: BrowserProxy[] = [];
  afterEach(async () => {
    for (const proxy of proxies.splice(0)) await proxy.close();
    for (const server of servers.splice(0)) {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  async function upstream(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<number> {
    const server = createServer(handler);
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return (server.address() as AddressInfo).port;
  }

  it("lets go of the server's connection as soon as the browser stops reading (a closed page, a cancelled download)", async () => {
    let upstreamClosed = false;
    const port = await upstream((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      const tick = setInterval(() => res.write('data: more\n\n'), 20);
      res.on('close', () => {
        clearInterval(tick);
        upstreamClosed = true;
      });
    });
    const proxy = new BrowserProxy({ allowPrivateNetwork: [`127.0.0.1:${port}`], clawflowPorts: [] });
    proxies.push(proxy);
    const request = viaProxy(
      await proxy.start(),
      `http://127.0.0.1:${port}/stream`,
      proxy.credentials(() => undefined),
    );
    const answer = await request.answer;
    expect(answer.statusCode).toBe(200);
    await new Promise((resolve) => answer.once('data', resolve));
    request.abort();
    await expect.poll(() => upstreamClosed, { timeout: 3000 }).toBe(true);
  });

  it('answers a request it cannot judge (a malformed allowPrivateNetwork block) with a refusal instead of leaving it hanging', async () => {
    const port = await upstream((_req, res) => res.end('should not be reached'));
    const refusals: string[] = [];
    const proxy = new BrowserProxy({ allowPrivateNetwork: ['127.0.0.0/33'], clawflowPorts: [] });
    proxies.push(proxy);
    const answer = await viaProxy(
      await proxy.start(),
      `http://127.0.0.1:${port}/`,
      proxy.credentials((refusal) => refusals.push(refusal.reason)),
    ).answer;
    expect(answer.statusCode).toBe(403);
    expect(refusals[0]).toMatch(/private, loopback or link-local/);
  });
});
