import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { followUpAnswered } from '../helpers/barrier.js';
import { FakeModel } from '../helpers/fake-model.js';
import { FakeTelegram } from '../helpers/fake-telegram.js';
import { ownStackEnv } from '../helpers/own-stack-env.js';
import { killAll, killDevServerOf, spawnCli, type CliProcess } from '../helpers/processes.js';

const owner = { id: 42, first_name: 'Ada' };
const other = { id: 43, first_name: 'Grace' };

describe('the whole stack killed with kill -9 while a turn waits on the model', () => {
  const model = new FakeModel(
    (r) =>
      `heard ${r.messages
        .filter((m) => m.role === 'user')
        .map((m) => m.content)
        .join(' + ')}`,
  );
  const telegram = new FakeTelegram();
  const home = mkdtempSync(join(tmpdir(), 'clawflow-kill-'));
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    await Promise.all([model.start(), telegram.start()]);
    mkdirSync(home, { recursive: true, mode: 0o700 });
    // A heartbeat timeout far longer than the test waits: only resuming what the dead run left can answer in time.
    writeFileSync(
      join(home, 'clawflow.json'),
      JSON.stringify({
        agent: { heartbeatTimeoutSeconds: 120 },
        channels: { telegram: { apiRoot: telegram.apiRoot, allowFrom: [String(owner.id), String(other.id)], pollTimeoutSeconds: 1 } },
      }),
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
    killDevServerOf(home);
    await Promise.all([model.stop(), telegram.stop()]);
    rmSync(home, { recursive: true, force: true });
  });

  it.each([
    { where: 'in the session worker (local activity)', callsInWorker: true, user: owner },
    { where: 'through the agent task queue', callsInWorker: false, user: other },
  ])(
    'answers once, with its context, within seconds of the next start — not after a heartbeat timeout: the model call $where',
    async ({ callsInWorker, user }) => {
      const start = async (): Promise<{ stack: CliProcess; readyAt: number }> => {
        const stack = spawnCli(['start'], { ...env, CLAWFLOW_AGENT_CALLS_IN_WORKER: String(callsInWorker) });
        await stack.waitFor(/Press Ctrl-C to stop/, 120_000);
        return { stack, readyAt: performance.now() };
      };
      const repliesTo = (text: string) => telegram.sent().filter((m) => String(m.chat_id) === String(user.id) && String(m.text).endsWith(text));
      const first = await start();
      telegram.userMessage(user, 'the code word is tulip');
      await expect.poll(() => repliesTo('the code word is tulip').length, { timeout: 30_000 }).toBe(1);

      const asked = (text: string) =>
        model.requests.filter(
          (r) => r.messages.filter((m) => m.role === 'user').at(-1)?.content === text && r.messages.some((m) => m.content === 'the code word is tulip'),
        ).length;
      const askedBefore = { tulip: asked('the code word is tulip'), word: asked('what is the code word?') };
      model.hold();
      telegram.userMessage(user, 'what is the code word?');
      await expect.poll(() => asked('what is the code word?'), { timeout: 30_000 }).toBe(askedBefore.word + 1);
      const temporalPid = Number(readFileSync(join(home, 'temporal', 'server.pid'), 'utf8').trim());
      first.stack.child.kill('SIGKILL');
      process.kill(temporalPid, 'SIGKILL');
      await first.stack.exited;
      model.release();

      const second = await start();
      await expect.poll(() => repliesTo('what is the code word?').length, { timeout: 60_000 }).toBe(1);
      const seconds = (performance.now() - second.readyAt) / 1000;
      // Not after the 120 s heartbeat timeout. In the session worker, the model call ran inside its workflow task (a
      // local activity), which the server hands to the new worker once the task's 3 s timeout passes; through the agent
      // task queue, the new start resumes the step the dead run left in flight, from its records.
      expect(seconds, second.stack.output()).toBeLessThan(20);
      if (callsInWorker) expect(second.stack.output()).toMatch(/the previous run stopped uncleanly/);
      else expect(second.stack.output()).toMatch(/the previous run stopped uncleanly: resumed \d+ interrupted step.*"steps":\[[^\]]*invokeAgent/);

      expect(repliesTo('what is the code word?')[0]!.text).toBe('heard the code word is tulip + what is the code word?');
      await followUpAnswered(
        (text) => telegram.userMessage(user, text),
        (text) => repliesTo(text).length > 0,
      );
      expect(repliesTo('what is the code word?')).toHaveLength(1);
      expect(repliesTo('the code word is tulip')).toHaveLength(1);
      // Asked twice for the interrupted turn (the first call died with the stack), once for the finished one.
      expect(asked('what is the code word?') - askedBefore.word).toBe(2);
      expect(asked('the code word is tulip') - askedBefore.tulip).toBe(0);

      second.stack.child.kill('SIGINT');
      expect(await second.stack.exited).toBe(0);
    },
  );
});
