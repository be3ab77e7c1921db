import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeModel } from '../helpers/fake-model.js';
import { FakeTelegram } from '../helpers/fake-telegram.js';
import { ownStackEnv } from '../helpers/own-stack-env.js';
import { killAll, spawnCli, type CliProcess } from '../helpers/processes.js';

const owner = { id: 42, first_name: 'Ada' };

describe('the whole stack killed with kill -9 while a turn waits on the model', () => {
  const model = new FakeModel((r) => `heard ${r.messages.filter((m) => m.role === 'user').map((m) => m.content).join(' + ')}`);
  const telegram = new FakeTelegram();
  const home = mkdtempSync(join(tmpdir(), 'clawflow-kill-'));
  let env: NodeJS.ProcessEnv;

  const start = async (): Promise<{ stack: CliProcess; readyAt: number }> => {
    const stack = spawnCli(['start'], env);
    await stack.waitFor(/Press Ctrl-C to stop/, 120_000);
    return { stack, readyAt: performance.now() };
  };
  const repliesTo = (text: string) => telegram.sent().filter((m) => String(m.text).endsWith(text));

  beforeAll(async () => {
    await Promise.all([model.start(), telegram.start()]);
    mkdirSync(home, { recursive: true, mode: 0o700 });
    // A heartbeat timeout far longer than the test waits: only resuming what the dead run left can answer in time.
    writeFileSync(
      join(home, 'clawflow.json'),
      JSON.stringify({ agent: { heartbeatTimeoutSeconds: 120 }, channels: { telegram: { apiRoot: telegram.apiRoot, allowFrom: [String(owner.id)], pollTimeoutSeconds: 1 } } }),
      { mode: 0o600 },
    );
    env = await ownStackEnv(home, {
      CLAWFLOW_MODEL_BASE_URL: model.baseUrl,
      CLAWFLOW_MODEL: 'scripted',
      CLAWFLOW_TELEGRAM_BOT_TOKEN: '123456:TEST-token',
    });
  });
  afterAll(async () => {
    await killAll();
    // A `clawflow start` killed mid-test leaves its Temporal server behind.
    try {
      process.kill(Number(readFileSync(join(home, 'temporal', 'server.pid'), 'utf8').trim()), 'SIGKILL');
    } catch {
      // Stopped with its stack, or never started.
    }
    await Promise.all([model.stop(), telegram.stop()]);
    rmSync(home, { recursive: true, force: true });
  });

  it('answers once, with its context, within seconds of the next start — not after a heartbeat timeout', async () => {
    const first = await start();
    telegram.userMessage(owner, 'the code word is tulip');
    await expect.poll(() => repliesTo('the code word is tulip').length, { timeout: 30_000 }).toBe(1);

    model.hold();
    telegram.userMessage(owner, 'what is the code word?');
    await expect.poll(() => model.lastUserMessages().filter((m) => m === 'what is the code word?').length, { timeout: 30_000 }).toBe(1);
    const temporalPid = Number(readFileSync(join(home, 'temporal', 'server.pid'), 'utf8').trim());
    first.stack.child.kill('SIGKILL');
    process.kill(temporalPid, 'SIGKILL');
    await first.stack.exited;
    model.release();

    const second = await start();
    await expect.poll(() => repliesTo('what is the code word?').length, { timeout: 60_000 }).toBe(1);
    const seconds = (performance.now() - second.readyAt) / 1000;
    // Without the resume, the interrupted model call would wait for its 120 s heartbeat timeout.
    expect(seconds, second.stack.output()).toBeLessThan(20);
    expect(second.stack.output()).toMatch(/"steps":\[[^\]]*invokeAgent[^\]]*\].*the previous run stopped uncleanly: resumed \d+ interrupted step/);

    expect(repliesTo('what is the code word?')[0]!.text).toBe('heard the code word is tulip + what is the code word?');
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(repliesTo('what is the code word?')).toHaveLength(1);
    expect(repliesTo('the code word is tulip')).toHaveLength(1);
    // Asked twice for the interrupted turn (the first call died with the stack), once for the finished one.
    expect(model.lastUserMessages().filter((m) => m === 'what is the code word?')).toHaveLength(2);
    expect(model.lastUserMessages().filter((m) => m === 'the code word is tulip')).toHaveLength(1);

    second.stack.child.kill('SIGINT');
    expect(await second.stack.exited).toBe(0);
  });
});
