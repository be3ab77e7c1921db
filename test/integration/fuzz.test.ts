import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { WebSocket } from 'ws';
import { loadConfig } from '../../src/config/load.js';
import { apiToken, installSecret, runtimeToken, webChatOpenUrl } from '../../src/config/secrets.js';
import { internalTokenHeader } from '../../src/http/internal-token.js';
import { runtimeSessionHeader } from '../../src/contracts/agent-runtime.js';
import { FakeModel, heard } from '../helpers/fake-model.js';
import { FakeSlack, signSlackRequest } from '../helpers/fake-slack.js';
import { namespaceForFile } from '../helpers/namespace.js';
import { freePort } from '../helpers/ports.js';
import { killAll, spawnCli, stopStack, type CliProcess } from '../helpers/processes.js';
import { rawRequest } from '../helpers/raw-http.js';
import { seededRandom } from '../helpers/seeded-random.js';

/** Garbage from a seed: the same run every time, so a failure can be replayed. */
function random(seed: number) {
  const { next, int, pick } = seededRandom(seed);
  const value = (depth = 0): unknown => {
    switch (int(depth > 3 ? 5 : 8)) {
      case 0:
        return null;
      case 1:
        return next() < 0.5;
      case 2:
        return pick([0, -1, 1e308, 2 ** 53 + 1, 0.5, Number.MAX_SAFE_INTEGER]);
      case 3:
        return pick(['', 'x', '\u0000', '\ud800', '💥'.repeat(int(50)), 'a'.repeat(int(5000)), '{"', '</script>']);
      case 4:
        return pick(['clawflow', 'user', 'message', 'assistant', 'system', 'tool']);
      case 5:
        return Array.from({ length: int(5) }, () => value(depth + 1));
      default:
        return Object.fromEntries(
          Array.from({ length: int(6) }, () => [
            pick([
              'model',
              'messages',
              'role',
              'content',
              'user',
              'stream',
              'type',
              'id',
              'text',
              'chat',
              'turn',
              'prompt',
              'event',
              '__proto__',
              'constructor',
            ]),
            value(depth + 1),
          ]),
        );
    }
  };
  /**
   * A body: random JSON, a valid one with a part changed, a valid one cut short, or bytes. `mayBeValid`: the one kind
   * a server may rightly accept (a changed part can leave the request valid).
   */
  const request = (valid: unknown): { body: string | Buffer; mayBeValid: boolean } => {
    const kind = int(5);
    if (kind === 1) {
      const copy = structuredClone(valid) as Record<string, unknown>;
      copy[pick(Object.keys(copy))] = value();
      return { body: JSON.stringify(copy), mayBeValid: true };
    }
    return { body: garbage(valid, kind), mayBeValid: false };
  };
  const body = (valid: unknown): string | Buffer => request(valid).body;
  const garbage = (valid: unknown, kind: number): string | Buffer => {
    switch (kind) {
      case 0:
        return JSON.stringify(value());
      case 2: {
        const text = JSON.stringify(valid);
        return text.slice(0, int(text.length));
      }
      case 3:
        return Buffer.from(Array.from({ length: int(2000) }, () => int(256)));
      default:
        return pick(['', 'null', '[]', '{}', '"', '{"a":', '\u0000\u0001', '{"model":"clawflow","messages":[{"role":"user","content":{"$gt":""}}]}']);
    }
  };
  return { int, pick, body, request, value };
}

/** Bytes straight onto a TCP connection (a request cut short, garbage in place of HTTP), then hang up. */
function rawSocket(port: number, bytes: string | Buffer): Promise<void> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1', () => {
      socket.write(bytes);
      setTimeout(() => socket.destroy(), 30);
    });
    socket.on('error', () => undefined);
    socket.on('close', () => resolve());
    socket.setTimeout(2000, () => socket.destroy());
  });
}

describe('every inbound surface survives garbage (clawflow start, seeded fuzzing)', () => {
  const model = new FakeModel(heard);
  const slack = new FakeSlack();
  const home = mkdtempSync(join(tmpdir(), 'clawflow-fuzz-'));
  const signingSecret = 'fuzz-signing-secret';
  let ports: { api: number; runtime: number; webchat: number; slack: number; preview: number };
  let stack: CliProcess;
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    await model.start();
    await slack.start();
    ports = { api: await freePort(), runtime: await freePort(), webchat: await freePort(), slack: await freePort(), preview: await freePort() };
    writeFileSync(
      join(home, 'clawflow.json'),
      JSON.stringify({
        channels: {
          previewPort: ports.preview,
          webchat: { enabled: true, port: ports.webchat },
          slack: { mode: 'http', httpPort: ports.slack, apiUrl: slack.apiUrl, dmPolicy: 'open' },
        },
        api: { port: ports.api },
        runtime: { port: ports.runtime },
      }),
    );
    env = {
      CLAWFLOW_HOME: home,
      TEMPORAL_ADDRESS: inject('temporalAddress'),
      TEMPORAL_NAMESPACE: namespaceForFile(import.meta.url),
      CLAWFLOW_MODEL_BASE_URL: model.baseUrl,
      CLAWFLOW_MODEL: 'scripted',
      CLAWFLOW_SLACK_BOT_TOKEN: 'xoxb-fuzz',
      CLAWFLOW_SLACK_SIGNING_SECRET: signingSecret,
      CLAWFLOW_LOG_FORMAT: 'json',
    };
    stack = spawnCli(['start'], env);
    await stack.waitFor(/Press Ctrl-C to stop/, 120_000);
  });
  afterAll(async () => {
    await stopStack(stack, home);
    await killAll();
    await model.stop();
    await slack.stop();
    rmSync(home, { recursive: true, force: true });
  });

  it('answers every malformed request with an error, and then still serves all of them', async () => {
    const config = loadConfig(env);
    const api = `http://127.0.0.1:${ports.api}/v1/chat/completions`;
    const runtime = `http://127.0.0.1:${ports.runtime}/invocations`;
    const delta = `http://127.0.0.1:${ports.webchat}/internal/delta`;
    const events = `http://127.0.0.1:${ports.slack}/slack/events`;
    const auth = { api: `Bearer ${apiToken(config)}`, runtime: `Bearer ${runtimeToken(config)}`, internal: installSecret(home, 'internal-token') };
    const r = random(20261125);
    const contentTypes = ['application/json', 'text/plain', 'application/octet-stream', 'multipart/form-data; boundary=x', ''];
    const surfaces = [
      { url: api, valid: { model: 'clawflow', messages: [{ role: 'user', content: 'hi' }] }, headers: () => ({ authorization: auth.api }) },
      {
        url: runtime,
        valid: { prompt: 'hi' },
        headers: () => ({ authorization: auth.runtime, [runtimeSessionHeader]: r.pick(['fuzz-session-0000000000000000000000000000', 'short', '']) }),
      },
      { url: delta, valid: { chat: 'c', turn: 1, text: 'x' }, headers: () => ({ [internalTokenHeader]: auth.internal }) },
      {
        url: `http://127.0.0.1:${ports.preview}/internal/preview`,
        valid: { key: 'session:main:slack:D0FUZZ:1', route: { channel: 'slack', chat: 'D0FUZZ' }, stream: 's', text: 'x' },
        headers: () => ({ [internalTokenHeader]: auth.internal }),
      },
      {
        url: `http://127.0.0.1:${ports.api}/internal/delta`,
        valid: { messageId: 'api:x', stream: 's', text: 'x' },
        headers: () => ({ [internalTokenHeader]: auth.internal }),
      },
      { url: events, valid: slack.messageEvent({ channel: 'D0FUZZ', user: 'U0FUZZ', text: 'hi', channel_type: 'im' }), headers: () => ({}) },
    ];
    let statuses = 0;
    for (const surface of surfaces) {
      for (let i = 0; i < 60; i++) {
        const { body, mayBeValid } = r.request(surface.valid);
        const type = r.pick(contentTypes);
        const signed = surface.url === events && r.int(2) === 0 ? signSlackRequest(signingSecret, body.toString()) : {};
        const method = r.pick(['POST', 'POST', 'POST', 'GET', 'PUT', 'DELETE', 'OPTIONS']);
        const headers = { ...surface.headers(), ...(type ? { 'content-type': type } : {}), ...signed };
        const response = await rawRequest(surface.url, { method, headers, body });
        statuses += 1;
        // Garbage is refused with a 4xx that says why; never a 5xx, never a dropped connection. A request that only
        // had a part changed may still be a valid one (and Slack acknowledges any signed event).
        const acceptable =
          response.status >= 400 && response.status < 500 ? true : response.status < 300 && method === 'POST' && (mayBeValid || Object.keys(signed).length > 0);
        expect(
          acceptable,
          `${method} ${surface.url} (${headers['content-type'] || 'no content type'}${Object.keys(signed).length ? ', signed' : ''}) answered ${response.status} to ${JSON.stringify(body.toString().slice(0, 120))}: ${response.body.slice(0, 200)}`,
        ).toBe(true);
      }
      // A body far over every limit, and requests cut short or not HTTP at all.
      await rawRequest(surface.url, {
        method: 'POST',
        headers: { ...surface.headers(), 'content-type': 'application/json' },
        body: Buffer.alloc(12 * 1024 * 1024, 0x7b),
      }).catch(() => null);
      const { port, pathname } = new URL(surface.url);
      await rawSocket(
        Number(port),
        `POST ${pathname} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nContent-Type: application/json\r\nContent-Length: 5000\r\n\r\n{"model":`,
      );
      await rawSocket(Number(port), Buffer.from([0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xfc, 0x03, 0x03]));
      await rawSocket(Number(port), 'GARBAGE / HTTP/9.9\r\n\r\n\r\n');
      await rawSocket(Number(port), `POST ${pathname} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n`);
    }
    expect(statuses).toBe(surfaces.length * 60);

    // WebChat frames: random text, bytes, oversized, and a socket that sends garbage instead of frames.
    const cookie = String((await rawRequest(webChatOpenUrl(config))).headers['set-cookie']).split(';')[0]!;
    const origin = `http://127.0.0.1:${ports.webchat}`;
    const socket = new WebSocket(`ws://127.0.0.1:${ports.webchat}/ws`, { headers: { cookie, origin } });
    await new Promise((resolve) => socket.once('open', resolve));
    for (let i = 0; i < 100; i++) {
      const frame = r.body({ type: 'message', id: `f${i}`, text: 'hi' });
      socket.send(frame, { binary: typeof frame !== 'string' });
    }
    socket.close();
    await rawSocket(
      ports.webchat,
      `GET /ws HTTP/1.1\r\nHost: 127.0.0.1:${ports.webchat}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nOrigin: ${origin}\r\nCookie: ${cookie}\r\n\r\n\u00ff\u00ff\u00ff\u00ff garbage frames`,
    );

    // Everything still serves, in the same process, with nothing uncaught.
    expect(stack.child.exitCode).toBeNull();
    const completion = await rawRequest(api, {
      method: 'POST',
      headers: { authorization: auth.api, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'clawflow', user: 'after-fuzz', messages: [{ role: 'user', content: 'still there?' }] }),
    });
    expect(completion.status, completion.body).toBe(200);
    expect(JSON.parse(completion.body).choices[0].message.content).toBe('heard: still there?');
    expect((await rawRequest(`http://127.0.0.1:${ports.runtime}/ping`)).status).toBe(200);
    expect((await rawRequest(`${origin}/`, { headers: { cookie } })).status).toBe(200);
    const event = JSON.stringify(slack.messageEvent({ channel: 'D0FUZZ', user: 'U0FUZZ', text: 'after the storm', channel_type: 'im' }));
    expect((await rawRequest(events, { method: 'POST', headers: signSlackRequest(signingSecret, event), body: event })).status).toBe(200);
    await expect
      .poll(() => slack.posted.some((p) => String(p.text).startsWith('heard:') && String(p.text).endsWith('after the storm')), { timeout: 30_000 })
      .toBe(true);
    expect(stack.output()).not.toMatch(/uncaught exception|unhandled promise rejection/);
  }, 240_000);
});
