import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDevServer, type DevServer, type DevServerOptions } from '../../src/temporal/dev-server.js';
import { heard } from '../helpers/fake-model.js';
import { FakeTelegram } from '../helpers/fake-telegram.js';
import { runCli } from '../helpers/processes.js';
import { TestStack } from '../helpers/test-stack.js';
import { ownDevServerOptions } from '../helpers/own-dev-server.js';

describe('the Temporal server restarted between two turns', () => {
  let options: DevServerOptions;
  let server: DevServer;
  let stack: TestStack;
  const telegram = new FakeTelegram();
  const dir = mkdtempSync(join(tmpdir(), 'clawflow-restart-'));

  beforeAll(async () => {
    // This test stops its server, so it runs one of its own instead of the shared one.
    options = await ownDevServerOptions(dir);
    server = await startDevServer(options);
    await telegram.start();
    stack = await TestStack.start({
      namespace: 'default',
      temporalAddress: server.address,
      config: { channels: { telegram: { apiRoot: telegram.apiRoot, allowFrom: ['42'], pollTimeoutSeconds: 1 } } },
      env: { CLAWFLOW_TELEGRAM_BOT_TOKEN: '123456:TEST-token' },
    });
  });
  afterAll(async () => {
    await stack?.stop();
    await telegram.stop();
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('keeps the session, its context and the same worker', async () => {
    const key = 'main:test:restart';
    stack.model.setReply((r) => `context of ${r.messages.length - 1} messages`);
    const worker = await stack.startWorker();
    expect(await stack.send(key, 'before the restart')).toMatchObject({ turn: 1, text: 'context of 1 messages' });

    await server.stop();
    server = await startDevServer(options);

    expect(await stack.send(key, 'after the restart')).toMatchObject({ turn: 2, text: 'context of 3 messages' });
    expect(
      stack.model.requests
        .at(-1)!
        .messages.map((m) => m.content)
        .slice(1),
    ).toEqual(['before the restart', 'context of 1 messages', 'after the restart']);
    expect(worker.child.exitCode).toBeNull();
    const transcript = await stack.transcript(key);
    expect(transcript.map((e) => `${e.turn}:${e.role}`)).toEqual(['1:user', '1:assistant', '2:user', '2:assistant']);
  });

  it('leaves a Telegram message unacknowledged while Temporal is down, and answers it once Temporal is back', async () => {
    await stack.startConnector();
    stack.model.setReply(heard);
    await server.stop();

    const updateId = telegram.userMessage({ id: 42, first_name: 'Ada' }, 'sent while the server was down');
    await expect.poll(() => telegram.calls.filter((c) => c.method === 'getUpdates' && Number(c.params.offset ?? 0) <= updateId).length).toBeGreaterThan(0);
    await new Promise((resolve) => setTimeout(resolve, 3000));
    // Received, not handed over, so not confirmed: Telegram would send it again after a crash.
    expect(telegram.confirmedOffset).toBeLessThanOrEqual(updateId);
    expect(telegram.sent()).toHaveLength(0);

    server = await startDevServer(options);
    await expect.poll(() => telegram.sent().map((m) => m.text), { timeout: 60_000 }).toEqual(['heard: sent while the server was down']);
    await expect.poll(() => telegram.confirmedOffset, { timeout: 15_000 }).toBeGreaterThan(updateId);
  });

  it('keeps firing schedules after the server restarted', async () => {
    const asked = () => stack.model.requests.filter((r) => r.messages.some((m) => m.content === 'tick after restart')).length;
    const add = await runCli(['cron', 'add', '--name', 'tick', '--every', '2s', '--message', 'tick after restart'], stack.env);
    expect(add.code, add.output).toBe(0);
    await expect.poll(asked, { timeout: 20_000 }).toBeGreaterThanOrEqual(1);

    await server.stop();
    server = await startDevServer(options);
    const before = asked();
    await expect.poll(asked, { timeout: 30_000 }).toBeGreaterThanOrEqual(before + 2);
    expect((await runCli(['cron', 'rm', 'tick'], stack.env)).code).toBe(0);
  });
});
