import { existsSync, readFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startConsole } from '../../src/console/console.js';
import { stackFindings } from '../../src/stack/doctor.js';
import { connectorFiles } from '../../src/config/paths.js';
import { PairingStore } from '../../src/connectors/inbound/pairing-store.js';
import { consoleOpenUrl, installSecret } from '../../src/config/secrets.js';
import type { ListeningServer } from '../../src/http/listen.js';
import { createLogger } from '../../src/logger.js';
import { toolThenReport } from '../helpers/fake-model.js';
import { namespaceForFile } from '../helpers/namespace.js';
import { launchChromium, pageForTest } from '../helpers/page-for-test.js';
import { freePort } from '../helpers/ports.js';
import { runCli, spawnCli } from '../helpers/processes.js';
import { TestStack } from '../helpers/test-stack.js';

/** The model runs one command, then answers with what it printed. */
function runThenReport(command: string) {
  return toolThenReport('exec', { command });
}

describe('the owner console (a real stack, the page in Chromium)', () => {
  let stack: TestStack;
  let console_: ListeningServer;
  let origin: string;

  beforeAll(async () => {
    stack = await TestStack.start({
      namespace: namespaceForFile(import.meta.url),
      config: { tools: { exec: { policy: 'ask', sandbox: 'none', approvalTimeoutSeconds: 120 } } },
    });
    await stack.startWorker();
    console_ = await startConsole({
      config: stack.config,
      client: stack.client,
      logger: createLogger('silent'),
      webUiOrigin: null,
      checkStack: () => stackFindings(stack.config),
      port: 0,
    });
    origin = console_.url;
  });
  afterAll(async () => {
    await console_?.close();
    await stack?.stop();
  });

  it('is closed to whoever lacks the key, to other sites, to other Host names and to garbage', async () => {
    const locked = await fetch(`${origin}/`);
    expect(locked.status).toBe(401);
    expect(await locked.text()).toContain('clawflow config --console-link');
    expect((await fetch(`${origin}/api/feed`)).status).toBe(401);
    expect((await fetch(`${origin}/app.js`)).status).toBe(401);
    expect((await fetch(`${origin}/?token=not-the-key`, { redirect: 'manual' })).status).toBe(401);

    // With the key, the browser gets a cookie; with the cookie, what a foreign page or a rebinding name sends is refused.
    const opened = await fetch(consoleOpenUrl(stack.config, origin), { redirect: 'manual' });
    expect(opened.status).toBe(303);
    const cookie = opened.headers.get('set-cookie')!.split(';')[0]!;
    expect(opened.headers.get('set-cookie')).toMatch(/HttpOnly; SameSite=Strict/);
    expect((await fetch(`${origin}/`, { headers: { cookie } })).status).toBe(200);
    const answer = (body: string, headers: Record<string, string> = {}) =>
      fetch(`${origin}/api/approvals/answer`, { method: 'POST', headers: { cookie, 'content-type': 'application/json', ...headers }, body });
    expect((await answer('{}', { origin: 'https://evil.example' })).status).toBe(403);
    expect((await answer('{}', { 'content-type': 'text/plain' })).status).toBe(415);
    const garbage = await answer('{"sessionKey": 1, "decision": "maybe"');
    expect(garbage.status).toBe(400);
    expect(((await garbage.json()) as { error: string }).error).toMatch(/not valid JSON/);
    const wrong = await answer(JSON.stringify({ sessionKey: 'main:test:none', requestId: 'abcdef', decision: 'maybe' }));
    expect(wrong.status).toBe(400);
    expect(((await wrong.json()) as { error: string }).error).toMatch(/decision/);
    expect((await answer(JSON.stringify({ sessionKey: 'x', requestId: 'y', decision: 'once', padding: 'z'.repeat(200_000) }))).status).toBe(413);
    const badJob = await fetch(`${origin}/api/schedules/add`, {
      method: 'POST',
      headers: { cookie, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'bad', fires: 'every', when: 'banana', message: 'x', session: 'main' }),
    });
    expect(badJob.status).toBe(409);
    expect(
      (
        await fetch(`${origin}/api/schedules/change`, {
          method: 'POST',
          headers: { cookie, 'content-type': 'application/json' },
          body: JSON.stringify({ id: 'cron-main-nope', change: 'run' }),
        })
      ).status,
    ).toBe(409);
    const none = await answer(JSON.stringify({ sessionKey: 'main:test:nobody', requestId: 'abcdef', decision: 'once' }));
    expect(none.status).toBe(409);
    expect(((await none.json()) as { error: string }).error).toMatch(/no session/);
    // fetch will not send another Host: a DNS-rebinding page's request, as it arrives, through node:http.
    const { port } = new URL(origin);
    const rebound = await new Promise<number>((resolve, reject) =>
      request({ host: '127.0.0.1', port, path: '/', headers: { cookie, host: `attacker.example:${port}` } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      })
        .on('error', reject)
        .end(),
    );
    expect(rebound).toBe(421);
    // The key never reaches the page: it stays in the cookie, and the page's script does not carry it.
    const script = await (await fetch(`${origin}/app.js`, { headers: { cookie } })).text();
    expect(script).not.toContain(installSecret(stack.config.paths.home, 'console-token'));
  });

  it('runs alone for deployments (clawflow console), with the link clawflow config --console-link prints', async () => {
    const port = await freePort();
    const alone = spawnCli(['console', '--port', String(port)], stack.env);
    try {
      await alone.waitFor(/Console {2}(http\S+)\n/, 30_000);
      const link = /Console {2}(http\S+)\n/.exec(alone.output())![1]!;
      expect(link).toBe(consoleOpenUrl(stack.config, `http://127.0.0.1:${port}`));
      const printed = await runCli(['config', '--console-link'], stack.env);
      expect(new URL(printed.output.trim()).searchParams.get('token')).toBe(new URL(link).searchParams.get('token'));
      const opened = await fetch(link, { redirect: 'manual' });
      expect(opened.status).toBe(303);
      const cookie = opened.headers.get('set-cookie')!.split(';')[0]!;
      expect(await (await fetch(`http://127.0.0.1:${port}/`, { headers: { cookie } })).text()).toContain('<div id="app">');
    } finally {
      alone.child.kill('SIGTERM');
      await alone.exited;
    }
  });

  it('answers through a proxy the owner names (Tailscale Serve, a tunnel): its Host and Origin, and nobody else’s', async () => {
    const proxied = 'box.tailnet.ts.net';
    const behindProxy = await startConsole({
      config: { ...stack.config, console: { ...stack.config.console, allowedHosts: [proxied], allowedOrigins: [`https://${proxied}`] } },
      client: stack.client,
      logger: createLogger('silent'),
      webUiOrigin: null,
      checkStack: async () => [],
      port: 0,
    });
    try {
      const { port } = new URL(behindProxy.url);
      // As the proxy forwards it: the name the phone used, the page's origin; fetch cannot set Host, so node:http does.
      const send = (path: string, headers: Record<string, string>, body?: string) =>
        new Promise<{ status: number; headers: Record<string, string | string[] | undefined> }>((resolve, reject) =>
          request({ host: '127.0.0.1', port, path, method: body === undefined ? 'GET' : 'POST', headers }, (res) => {
            res.resume();
            resolve({ status: res.statusCode ?? 0, headers: res.headers });
          })
            .on('error', reject)
            .end(body),
        );
      const token = new URL(consoleOpenUrl(stack.config, behindProxy.url)).searchParams.get('token')!;
      const opened = await send(`/?token=${token}`, { host: proxied });
      expect(opened.status).toBe(303);
      const cookie = String(opened.headers['set-cookie']).split(';')[0]!;
      expect((await send('/', { host: proxied, cookie })).status).toBe(200);
      const action = JSON.stringify({ sessionKey: 'main:test:nobody', requestId: 'abcdef', decision: 'once' });
      const json = { 'content-type': 'application/json', cookie };
      // The proxied page's action is taken (and refused only for what it asks: there is no such session).
      expect((await send('/api/approvals/answer', { ...json, host: proxied, origin: `https://${proxied}` }, action)).status).toBe(409);
      // Another tailnet machine's page, or another name, is not.
      expect((await send('/api/approvals/answer', { ...json, host: proxied, origin: 'https://other.tailnet.ts.net' }, action)).status).toBe(403);
      expect((await send('/', { host: 'other.tailnet.ts.net', cookie })).status).toBe(421);
    } finally {
      await behindProxy.close();
    }
  });

  describe.skipIf(inject('machine').chromium)('in Chromium', () => {
    let browser: Browser;
    beforeAll(async () => {
      browser = await launchChromium();
    });
    afterAll(() => browser?.close());

    it('shows a waiting command live, and a click on Allow once runs it: the answer reaches the one who asked', async () => {
      const page = await pageForTest(browser);
      await page.goto(consoleOpenUrl(stack.config, origin));
      expect(page.url()).toBe(`${origin}/`);
      await expect.poll(() => page.locator('.live').textContent()).toBe('live');
      await page.click('nav a[href="#/approvals"]');
      await expect.poll(() => page.locator('.empty').textContent()).toBe('Nothing is waiting for your answer.');

      const key = 'main:test:console-approve';
      stack.model.setReply(runThenReport('echo clicked > proof.txt && echo done'));
      const send = spawnCli(['send', key, 'please run it'], stack.env);
      // It appears without a reload: the page follows the server's feed.
      const card = page.locator('li.card', { hasText: 'echo clicked > proof.txt' });
      await card.waitFor({ timeout: 30_000 });
      expect(await card.locator('.key').textContent()).toBe(key);
      expect(await page.locator('nav .badge').textContent()).toBe('1');
      // When it ends unanswered (tools.exec.approvalTimeoutSeconds: 120 here).
      expect(await card.locator('.note').last().textContent()).toBe('Denied in 2 min without an answer.');
      await card.getByRole('button', { name: 'Allow once' }).click();
      await expect.poll(() => page.locator('#outcomes li').first().textContent()).toBe('Allowed once: echo clicked > proof.txt && echo done');

      expect(await send.exited, send.output()).toBe(0);
      expect(send.output()).toContain('tool said:');
      const proof = join(stack.config.paths.workspaceDir, 'proof.txt');
      expect(existsSync(proof)).toBe(true);
      expect(readFileSync(proof, 'utf8')).toBe('clicked\n');
      // Answered, it leaves the list for the decided ones (the audit log's), saying who decided and through what.
      await expect.poll(() => page.locator('li.card').count(), { timeout: 20_000 }).toBe(0);
      const ended = page.locator('li.ended', { hasText: 'echo clicked > proof.txt' });
      await expect.poll(() => ended.locator('.note').textContent(), { timeout: 20_000 }).toBe('allowed once by console');
      await page.click('nav a[href="#/sessions"]');
      const row = page.locator(`li.card[data-session="${key}"]`);
      await expect.poll(() => row.locator('.status').textContent(), { timeout: 30_000 }).toBe('idle');

      // Opened, it shows what the session did: the message, the command it ran (folded), the answer.
      await row.locator('a.key').click();
      const user = page.locator('.entry-user').last();
      await expect.poll(() => user.locator('.text').textContent(), { timeout: 15_000 }).toBe('please run it');
      const answer = page.locator('.entry-assistant').last();
      await expect.poll(() => answer.locator('.text').textContent()).toContain('tool said:');
      const call = answer.locator('details.call');
      expect(await call.locator('summary').textContent()).toBe('exec');
      expect(await call.locator('.call-input').isVisible()).toBe(false);
      await call.locator('summary').click();
      expect(await call.locator('.call-input').textContent()).toContain('echo clicked > proof.txt && echo done');
      await page.close();
    });

    it('lets a stranger in with a click on Approve (the connector then welcomes them), and keeps another out with Reject', async () => {
      const store = new PairingStore(connectorFiles(stack.config.paths.home).pairing);
      const route = { channel: 'telegram', chat: '4242' };
      const { code } = await store.codeFor('telegram', { id: '4242', name: 'Ada' }, { messageId: 'm1', route, text: 'hello, may I talk to your agent?' });
      const { code: other } = await store.codeFor('telegram', { id: '777', name: 'Mallory' });
      const page = await pageForTest(browser);
      await page.goto(consoleOpenUrl(stack.config, origin));
      await page.click('nav a[href="#/pairing"]');
      const ada = page.locator(`li.card[data-code="${code}"]`);
      await ada.waitFor({ timeout: 15_000 });
      expect(await ada.locator('.held').textContent()).toBe('hello, may I talk to your agent?');
      await ada.getByRole('button', { name: 'Approve' }).click();
      await expect.poll(() => page.locator('#outcomes li.outcome').first().textContent()).toBe('Let in Ada (4242) on telegram');
      expect(store.isApproved('telegram', '4242')).toBe(true);
      expect(store.welcomes('telegram')).toEqual([
        expect.objectContaining({ senderId: '4242', held: expect.objectContaining({ text: 'hello, may I talk to your agent?' }) }),
      ]);

      const mallory = page.locator(`li.card[data-code="${other}"]`);
      await mallory.getByRole('button', { name: 'Reject' }).click();
      await expect.poll(() => page.locator('#outcomes li.outcome').first().textContent()).toBe('Refused Mallory (777) on telegram');
      expect(store.isApproved('telegram', '777')).toBe(false);
      expect(store.list().telegram?.pending ?? []).toEqual([]);
      // Both answered, the page has nobody waiting; the same code again is refused with a reason.
      await expect.poll(() => page.locator('.empty').textContent(), { timeout: 15_000 }).toBe('Nobody is waiting to be let in.');
      const again = await page.evaluate(
        `fetch('/api/pairing/answer', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ channel: 'telegram', code: '${code}', decision: 'approve' }) }).then((r) => r.json())`,
      );
      expect(again).toEqual({ ok: false, error: expect.stringMatching(/no pending pairing code/) });
      await page.close();
    });

    it('shows a session as it grows, its Markdown rendered and the HTML in a message kept as text', async () => {
      const key = 'main:test:console-markdown';
      stack.model.setReply(() => 'Here is **bold**, a [link](https://example.com) and <img src=x onerror="document.title=\'owned\'">');
      await stack.send(key, 'first');
      const page = await pageForTest(browser);
      await page.goto(consoleOpenUrl(stack.config, origin));
      await page.goto(`${origin}/#/session/${encodeURIComponent(key)}`);
      const answer = page.locator('.entry-assistant').first();
      await expect.poll(() => answer.locator('strong').textContent(), { timeout: 15_000 }).toBe('bold');
      expect(await answer.locator('a').getAttribute('rel')).toBe('noopener noreferrer');
      expect(await answer.locator('img').count()).toBe(0);
      expect(await answer.textContent()).toContain('<img src=x');
      expect(await page.title()).toBe('ClawFlow console');
      // A second turn appears without a reload.
      stack.model.setReply(() => 'second answer');
      await stack.send(key, 'second');
      await expect.poll(() => page.locator('.entry-assistant').count(), { timeout: 15_000 }).toBe(2);
      // The owner writes to it from the page: the message and its answer join the transcript.
      stack.model.setReply(() => 'heard the owner');
      await page.fill('.composer textarea', 'a word from the console');
      await page.click('.composer button[type="submit"]');
      await expect.poll(() => page.locator('#outcomes li.outcome').first().textContent()).toBe(`Sent to ${key}`);
      await expect.poll(() => page.locator('.entry-assistant').count(), { timeout: 20_000 }).toBe(3);
      expect(await page.locator('.entry-user').last().locator('.text').textContent()).toBe('a word from the console');
      expect(await page.locator('.entry-user').last().locator('.role').textContent()).toBe('owner (console)');
      expect(await page.locator('.entry-assistant').last().locator('.text').textContent()).toContain('heard the owner');
      await page.goto(`${origin}/#/session/${encodeURIComponent('main:test:nobody-here')}`);
      await expect.poll(() => page.locator('.empty').textContent(), { timeout: 15_000 }).toBe('There is no session main:test:nobody-here.');
      await page.close();
    });

    it('stops a turn that waits for an answer with a click: the command never runs and the session is idle again', async () => {
      const key = 'main:test:console-stop';
      stack.model.setReply(runThenReport('echo stopped > stopped.txt'));
      const send = spawnCli(['send', key, 'please run it'], stack.env);
      const page = await pageForTest(browser);
      await page.goto(consoleOpenUrl(stack.config, origin));
      await page.goto(`${origin}/#/session/${encodeURIComponent(key)}`);
      await expect.poll(() => page.locator('.count .status').textContent(), { timeout: 30_000 }).toBe('awaiting-approval');
      await page.getByRole('button', { name: 'Stop the turn' }).click();
      await expect.poll(() => page.locator('#outcomes li.outcome').first().textContent()).toBe(`Stopped the turn ${key} was running`);
      await expect.poll(() => page.locator('.count .status').textContent(), { timeout: 20_000 }).toBe('idle');
      await send.exited;
      expect(existsSync(join(stack.config.paths.workspaceDir, 'stopped.txt'))).toBe(false);
      await page.close();
    });

    it('adds a job in the page that fires, pauses and removes it; a job it cannot make is refused with the reason, nothing saved', async () => {
      const page = await pageForTest(browser);
      page.on('dialog', (dialog) => void dialog.accept());
      await page.goto(consoleOpenUrl(stack.config, origin));
      await page.click('nav a[href="#/schedules"]');
      await expect.poll(() => page.locator('section .empty').textContent(), { timeout: 15_000 }).toBe('No cron jobs or heartbeat yet.');

      await page.fill('.new-job input[name="name"]', 'bad-job');
      await page.fill('.new-job input[name="when"]', 'banana');
      await page.fill('.new-job textarea[name="message"]', 'never sent');
      await page.click('.new-job button[type="submit"]');
      await expect.poll(() => page.locator('#outcomes li.error').first().textContent()).toMatch(/banana/);
      expect(await page.locator('li.card[data-job]').count()).toBe(0);

      stack.model.setReply(() => 'the schedule fired');
      await page.fill('.new-job input[name="name"]', 'console-brief');
      await page.fill('.new-job input[name="when"]', '6h');
      await page.fill('.new-job textarea[name="message"]', 'brief me from the console job');
      await page.click('.new-job button[type="submit"]');
      await expect.poll(() => page.locator('#outcomes li.outcome').first().textContent()).toMatch(/^Added console-brief: first at /);
      const job = page.locator('li.card[data-job]', { hasText: 'console-brief' });
      await job.waitFor({ timeout: 15_000 });
      expect(await job.locator('.note').textContent()).toBe('brief me from the console job');

      // Run now: it fires, the agent is asked, and the card says how it went.
      const asked = stack.model.requests.length;
      await job.getByRole('button', { name: 'Run now' }).click();
      await expect
        .poll(() => stack.model.requests.slice(asked).some((r) => r.messages.some((m) => m.content?.includes('brief me from the console job'))), {
          timeout: 30_000,
        })
        .toBe(true);
      await expect.poll(() => job.locator('.last').textContent(), { timeout: 30_000 }).not.toBe('never fired');

      await job.getByRole('button', { name: 'Pause' }).click();
      await expect.poll(() => job.locator('.status').textContent(), { timeout: 15_000 }).toBe('paused');
      await job.getByRole('button', { name: 'Resume' }).click();
      await expect.poll(() => job.locator('.status').textContent(), { timeout: 15_000 }).toBe('on');
      await job.getByRole('button', { name: 'Remove' }).click();
      await expect.poll(() => page.locator('li.card[data-job]').count(), { timeout: 15_000 }).toBe(0);
      await page.close();
    });

    it('shows what the agents used, day by day, and a new turn counts at once', async () => {
      const page = await pageForTest(browser);
      await page.goto(consoleOpenUrl(stack.config, origin));
      await page.click('nav a[href="#/usage"]');
      const turns = async (): Promise<number> => Number(await page.locator('.total-turns').textContent());
      await expect.poll(turns, { timeout: 15_000 }).toBeGreaterThan(0);
      const before = await turns();
      expect(await page.locator('.chart rect').count()).toBeGreaterThan(0);
      expect(await page.locator('table.usage tbody tr td:nth-child(2)').first().textContent()).toBe('main');
      stack.model.setReply(() => 'counted');
      await stack.send('main:test:console-usage', 'count me');
      await expect.poll(turns, { timeout: 20_000 }).toBe(before + 1);
      // The fake model reports 10 input and 5 output tokens a call.
      expect(Number(await page.locator('.total-tokens').textContent())).toBeGreaterThanOrEqual(15 * (before + 1));
      await page.close();
    });

    it('shows the stack as clawflow status checks it: Temporal, the workers, the runtime', async () => {
      const page = await pageForTest(browser);
      await page.goto(consoleOpenUrl(stack.config, origin));
      await page.click('nav a[href="#/status"]');
      const temporal = page.locator('li.check[data-check="temporal"]');
      await temporal.waitFor({ timeout: 20_000 });
      expect(await temporal.getAttribute('data-verdict')).toBe('ok');
      expect(await page.locator('li.check').count()).toBeGreaterThan(2);
      await page.close();
    });

    it('denies from a phone-sized screen: the command never runs and the agent is told', async () => {
      const page = await pageForTest(browser);
      await page.setViewportSize({ width: 390, height: 844 });
      await page.goto(consoleOpenUrl(stack.config, origin));
      await page.click('nav a[href="#/approvals"]');
      stack.model.setReply(runThenReport('echo denied > never.txt'));
      const send = spawnCli(['send', 'main:test:console-deny', 'please run it'], stack.env);
      const card = page.locator('li.card', { hasText: 'echo denied > never.txt' });
      await card.waitFor({ timeout: 30_000 });
      // The card fits the phone's width: nothing to scroll sideways.
      expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(390);
      await card.getByRole('button', { name: 'Deny' }).click();
      await expect.poll(() => page.locator('#outcomes li.outcome').first().textContent()).toBe('Denied: echo denied > never.txt');
      expect(await send.exited, send.output()).toBe(0);
      expect(send.output()).toMatch(/tool said: .*deni/i);
      expect(existsSync(join(stack.config.paths.workspaceDir, 'never.txt'))).toBe(false);
      await page.close();
    });
  });
});
