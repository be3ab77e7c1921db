import { readFileSync, readdirSync, readlinkSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, inject } from 'vitest';
import { FakeModel } from '../helpers/fake-model.js';
import { ownStackEnv } from '../helpers/own-stack-env.js';
import { launchChromium } from '../helpers/page-for-test.js';
import { killAll, runCli, spawnCli, stopStack, type CliProcess } from '../helpers/processes.js';
import { freePort } from '../helpers/ports.js';
import { rawRequest } from '../helpers/raw-http.js';

/** The TCP ports a process listens on, from /proc (its own sockets, matched by inode). */
function listeningPorts(pid: number): number[] {
  const inodes = new Set(
    readdirSync(`/proc/${pid}/fd`).flatMap((fd) => {
      const link = (() => {
        try {
          return readlinkSync(`/proc/${pid}/fd/${fd}`);
        } catch {
          return '';
        }
      })();
      const inode = /^socket:\[(\d+)\]$/.exec(link)?.[1];
      return inode ? [inode] : [];
    }),
  );
  return ['/proc/net/tcp', '/proc/net/tcp6'].flatMap((table) =>
    readFileSync(table, 'utf8')
      .split('\n')
      .slice(1)
      .map((line) => line.trim().split(/\s+/))
      .filter((fields) => fields[3] === '0A' && inodes.has(fields[9]!))
      .map((fields) => Number.parseInt(fields[1]!.split(':')[1]!, 16)),
  );
}

describe("the Temporal Web UI of `clawflow start`: served behind the guard, decrypting in the key holder's browser", () => {
  const phrase = `the lighthouse keeper's ${Date.now()} secret`;
  const model = new FakeModel(() => 'noted');
  const home = mkdtempSync(join(tmpdir(), 'clawflow-web-ui-'));
  let env: NodeJS.ProcessEnv;
  let stack: CliProcess;
  let ui: string;
  let link: string;
  let browser: Browser | undefined;

  beforeAll(async () => {
    await model.start();
    env = await ownStackEnv(home, { CLAWFLOW_MODEL_BASE_URL: model.baseUrl, CLAWFLOW_MODEL: 'scripted', CLAWFLOW_WEBCHAT_ENABLED: 'false' });
    ui = `http://127.0.0.1:${env.CLAWFLOW_TEMPORAL_UI_PORT}`;
    stack = spawnCli(['start'], env);
    await stack.waitFor(/Press Ctrl-C to stop/, 180_000);
    link = new RegExp(`Temporal Web UI +(${ui.replaceAll('.', '\\.')}/\\?token=\\S+)`).exec(stack.output())![1]!;
    expect((await runCli(['send', 'main:cli:keeper', phrase], env)).output).toBe('noted\n');
  });
  afterAll(async () => {
    await browser?.close();
    await stopStack(stack, home);
    await killAll();
    await model.stop();
    rmSync(home, { recursive: true, force: true });
  });

  it("answers no other Host, no other site's page and no one without the key; no listener of the dev server answers a browser", async () => {
    const list = '/api/v1/namespaces/default/workflows';
    const port = Number(env.CLAWFLOW_TEMPORAL_UI_PORT);
    // DNS rebinding: a page of attacker.example whose name now points at 127.0.0.1.
    for (const path of [list, '/', '/namespaces/default/workflows', '/codec/decode']) {
      const rebound = await rawRequest(`${ui}${path}`, { headers: { host: `attacker.example:${port}` } });
      expect(rebound.status, path).toBe(421);
    }
    const foreign = await rawRequest(`${ui}${list}`, { headers: { origin: 'https://attacker.example' } });
    expect(foreign.status).toBe(403);
    const anonymous = await rawRequest(`${ui}${list}`);
    expect(anonymous.status).toBe(401);
    expect(anonymous.body).not.toContain('keeper');
    expect((await rawRequest(`${ui}/?token=not-the-key`)).status).toBe(401);

    // The key-bearing link becomes a cookie; the cookie opens the API (and only a JSON body may be posted).
    const opened = await rawRequest(link);
    expect(opened.status).toBe(303);
    expect(opened.headers.location).toBe('/');
    const cookie = String(opened.headers['set-cookie']).split(';')[0]!;
    expect(String(opened.headers['set-cookie'])).toMatch(/HttpOnly; SameSite=Strict/);
    const listed = await rawRequest(`${ui}${list}`, { headers: { cookie } });
    expect(listed.status).toBe(200);
    expect(listed.body).toContain('session:main:cli:keeper');
    const start = `${ui}/api/v1/namespaces/default/workflows/planted`;
    expect((await rawRequest(start, { method: 'POST', headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' }, body: 'a=b' })).status).toBe(
      415,
    );
    expect(
      (await rawRequest(start, { method: 'POST', headers: { cookie, 'content-type': 'application/json' }, body: Buffer.alloc(5 * 1024 * 1024, 0x20) })).status,
    ).toBe(413);
    // The files are the UI's own, never anything else on the machine.
    const escape = await rawRequest(`${ui}/..%2f..%2f..%2fetc%2fpasswd`, { headers: { cookie } });
    expect(escape.body).not.toContain('root:');

    // The dev server runs headless: whatever it listens on, none answers a page that names another host.
    const pid = Number(readFileSync(join(home, 'temporal', 'server.pid'), 'utf8'));
    const ports = listeningPorts(pid);
    expect(ports).toContain(Number(env.CLAWFLOW_TEMPORAL_PORT));
    expect(ports).not.toContain(port);
    for (const other of ports) {
      const answer = await rawRequest(`http://127.0.0.1:${other}${list}`, { headers: { host: `attacker.example:${other}` } }).catch(() => null);
      expect(answer?.status ?? 0, `dev server port ${other}`).not.toBe(200);
    }
  });

  it('decodes only for the key holder: the codec on its origin wants the cookie', async () => {
    const body = JSON.stringify({ payloads: [{ metadata: {}, data: '' }] });
    const refused = await rawRequest(`${ui}/codec/decode`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    expect(refused.status).toBe(401);
  });

  it.skipIf(inject('machine').chromium)('shows the session in a real browser from its own address, decrypted, and survives garbage', async () => {
    browser = await launchChromium();
    const page = await browser.newPage();
    await page.goto(link);
    await page.waitForURL(`${ui}/**`);
    const cookie = (await page.context().cookies()).map((c) => `${c.name}=${c.value}`).join('; ');
    // Temporal holds the message sealed: the API (through the guard, with the cookie) shows ciphertext only.
    const workflow = `/namespaces/default/workflows/${encodeURIComponent('session:main:cli:keeper')}`;
    const history = await rawRequest(`${ui}/api/v1${workflow}/history`, { headers: { cookie } });
    expect(history.status).toBe(200);
    expect(history.body).not.toContain(phrase);
    const events = (
      JSON.parse(history.body) as {
        history: { events: Array<{ eventId: string; eventType: string; workflowExecutionStartedEventAttributes?: { originalExecutionRunId: string } }> };
      }
    ).history.events;
    const runId = events[0]!.workflowExecutionStartedEventAttributes!.originalExecutionRunId;
    const accepted = events.find((e) => e.eventType === 'EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED')!.eventId;
    // The page opens the session and its message event, decoded on this origin with the install's key.
    await page.goto(`${ui}/namespaces/default/workflows`);
    await expect.poll(async () => page.locator('body').innerText(), { timeout: 30_000 }).toContain('session:main:cli:keeper');
    await page.goto(`${ui}${workflow}/${runId}/history/events/${accepted}`);
    await expect.poll(async () => page.locator('body').innerText(), { timeout: 30_000 }).toContain(phrase);

    for (let i = 0; i < 50; i++) {
      await rawRequest(`${ui}/${'%'.repeat(i)}${i % 2 ? '\u0000' : '..'}`, {
        method: ['GET', 'POST', 'PUT', 'DELETE', 'OPTIONS'][i % 5]!,
        headers: { host: `127.0.0.1:${env.CLAWFLOW_TEMPORAL_UI_PORT}` },
        body: Buffer.alloc(i * 97, i),
      }).catch(() => null);
    }
    expect(stack.child.exitCode).toBeNull();
    expect((await rawRequest(`${ui}/api/v1/settings`, { headers: { cookie } })).status).toBe(200);
  });

  it('reads what the old key sealed after `history rotate-key` and a restart, beside what the new key seals: on its own origin and through `clawflow codec-server`', async () => {
    await stopStack(stack, home);
    const rotated = await runCli(['history', 'rotate-key'], env);
    expect(rotated.code, rotated.output).toBe(0);
    const [, fresh, retired] = /New history key (\S+); the old one \((\S+)\) is kept/.exec(rotated.output)!;
    expect(fresh).not.toBe(retired);
    stack = spawnCli(['start'], env);
    await stack.waitFor(/Press Ctrl-C to stop/, 180_000);
    const later = `after the rotation ${Date.now()}`;
    expect((await runCli(['send', 'main:cli:keeper', later], env)).output).toBe('noted\n');

    // The session's two messages, as Temporal holds them: sealed, each naming the key that sealed it.
    const opened = await rawRequest(link);
    const cookie = String(opened.headers['set-cookie']).split(';')[0]!;
    const workflow = `/namespaces/default/workflows/${encodeURIComponent('session:main:cli:keeper')}`;
    const history = JSON.parse((await rawRequest(`${ui}/api/v1${workflow}/history`, { headers: { cookie } })).body) as {
      history: {
        events: Array<{
          eventType: string;
          workflowExecutionUpdateAcceptedEventAttributes?: {
            acceptedRequest: { input: { args: { payloads: Array<{ metadata: Record<string, string>; data: string }> } } };
          };
        }>;
      };
    };
    const sealed = history.history.events.flatMap((e) => e.workflowExecutionUpdateAcceptedEventAttributes?.acceptedRequest.input.args.payloads ?? []);
    expect(sealed).toHaveLength(2);
    expect(sealed.map((p) => Buffer.from(p.metadata['encryption-key-id']!, 'base64').toString())).toEqual([retired, fresh]);
    const texts = (body: string) => (JSON.parse(body) as { payloads: Array<{ data: string }> }).payloads.map((p) => Buffer.from(p.data, 'base64').toString());

    // The UI's own origin decodes both with the install's keys.
    const decoded = await rawRequest(`${ui}/codec/decode`, {
      method: 'POST',
      headers: { cookie, 'content-type': 'application/json', origin: ui },
      body: JSON.stringify({ payloads: sealed }),
    });
    expect(decoded.status, decoded.body).toBe(200);
    const [old, now] = texts(decoded.body);
    expect(old).toContain(phrase);
    expect(now).toContain(later);

    // So does `clawflow codec-server`, for a Web UI or CLI ClawFlow does not serve: with the key as the temporal CLI
    // sends it, and only with it.
    const port = await freePort();
    const codec = spawnCli(['codec-server', '--port', String(port)], env);
    try {
      await codec.waitFor(/Codec server on http:\/\/127\.0\.0\.1:\d+/, 30_000);
      const key = /--codec-auth "Bearer \$\(cat (\S+)\)"/.exec(codec.output())![1]!;
      const body = JSON.stringify({ payloads: sealed });
      const post = (headers: Record<string, string>) =>
        rawRequest(`http://127.0.0.1:${port}/decode`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
      expect((await post({})).status).toBe(401);
      const answered = await post({ authorization: `Bearer ${readFileSync(key, 'utf8').trim()}` });
      expect(answered.status, answered.body).toBe(200);
      expect(texts(answered.body).join('\n')).toContain(phrase);
      expect(texts(answered.body).join('\n')).toContain(later);
    } finally {
      codec.child.kill('SIGINT');
      await codec.exited;
    }
  });
});
