import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { modelProvidersFromConfig } from '../../src/agent/providers/index.js';
import { startRuntime, type RunningRuntime } from '../../src/agent/runtime/server.js';
import { loadConfig } from '../../src/config/load.js';
import { runtimeToken } from '../../src/config/secrets.js';
import { createLogger } from '../../src/logger.js';
import { FakeModel } from '../helpers/fake-model.js';
import { namespaceForFile } from '../helpers/namespace.js';
import { runCli } from '../helpers/processes.js';
import { TestStack } from '../helpers/test-stack.js';

/**
 * Models that fail over: the runtime built from `model` with `fallbacks` and `apiKeys`, as `clawflow start` builds
 * it, in front of fake model servers that refuse connections, time out, answer 500, 429 and 401; real workers and
 * sessions behind it.
 */
describe('a turn whose model fails goes on to the next model at once, and says so', () => {
  const primary = new FakeModel((r) => `primary heard: ${String(r.messages.at(-1)?.content)}`);
  const backup = new FakeModel((r) => `backup heard: ${String(r.messages.at(-1)?.content)}`);
  // The agent "ops" answers with its own model on the primary's endpoint, and has a fallback of its own.
  const opsBackup = new FakeModel((r) => `ops backup heard: ${String(r.messages.at(-1)?.content)}`);
  let stack: TestStack;
  let runtime: RunningRuntime;
  let primaryPort: number;

  /** The runtime as a restart would make it: a new process knows nothing of what failed before. */
  async function startFailoverRuntime(port = 0): Promise<RunningRuntime> {
    const config = loadConfig({
      CLAWFLOW_HOME: stack.home,
      CLAWFLOW_MODEL_BASE_URL: primary.baseUrl,
      CLAWFLOW_MODEL: 'primary-model',
    });
    const model = {
      ...config.model,
      apiKeys: ['key-one', 'key-two'],
      requestTimeoutSeconds: 1,
      cooldownSeconds: 4,
      fallbacks: [{ ...config.model, name: 'backup-model', baseUrl: backup.baseUrl, apiKeys: [], requestTimeoutSeconds: 5 }],
    };
    const { provider, models, agents } = modelProvidersFromConfig(
      { ...model, choices: ['ops-model'] },
      { agents: [{ id: 'ops', model: 'ops-model', fallbacks: [{ ...model.fallbacks[0]!, name: 'ops-backup-model', baseUrl: opsBackup.baseUrl }] }] },
    );
    return startRuntime({
      host: '127.0.0.1',
      port,
      token: runtimeToken(stack.config),
      provider,
      models,
      agentModels: agents,
      logger: createLogger('silent'),
    });
  }

  beforeAll(async () => {
    await Promise.all([primary.start(), backup.start(), opsBackup.start()]);
    primaryPort = primary.port;
    stack = await TestStack.start({ namespace: namespaceForFile(import.meta.url), config: { agents: { list: [{ id: 'ops', model: 'ops-model' }] } } });
    runtime = await startFailoverRuntime();
    stack.env.CLAWFLOW_RUNTIME_URL = runtime.url;
    await stack.startWorker();
  });

  afterAll(async () => {
    await stack?.stop();
    await runtime?.close();
    await Promise.all([primary.stop(), backup.stop(), opsBackup.stop()]);
  });

  const answerOf = async (key: string, turn: number): Promise<{ text: string; model?: string; failovers?: unknown }> =>
    (await stack.waitForTurns(key, turn)).filter((e) => e.role === 'assistant').at(-1)!;

  /** Waits out the primary's cooldown (4 s after one failure) and has it answer once, so the next failure starts afresh. */
  async function primaryAnswersAgain(key: string): Promise<void> {
    await new Promise((resolve) => setTimeout(resolve, 4200));
    expect(await stack.send(key, 'are you back?')).toMatchObject({ text: 'primary heard: are you back?' });
  }

  it.each([
    // A fault of the model's side: the next model at once. A key's refusal: the next key first.
    ['answers 500', 'failed on its side', 500, ['Bearer key-one']],
    ['answers 429 with every key', 'rate-limited', 429, ['Bearer key-one', 'Bearer key-two']],
    ['refuses every key with 401', 'refused the key', 401, ['Bearer key-one', 'Bearer key-two']],
  ])('the primary %s: the backup answers, and the transcript, sessions show and /status say which and why', async (_what, words, status, keys) => {
    const key = `main:test:failover-${status}`;
    primary.refuseWith = () => status;
    const before = primary.requests.length;
    expect(await stack.send(key, 'hello')).toMatchObject({ turn: 1, text: 'backup heard: hello' });
    expect(primary.requests.slice(before).map((r) => r.authorization)).toEqual(keys);
    const failed = keys.map(() => ({ model: 'primary-model' }));
    expect(await answerOf(key, 1)).toMatchObject({ model: 'backup-model', failovers: failed });
    const shown = await runCli(['sessions', 'show', key], stack.env);
    expect(shown.output).toContain(`agent (backup-model, after ${keys.map(() => `primary-model ${words}`).join('; ')}): backup heard: hello`);
    const reply = await stack.send(key, '/status');
    expect(reply.text).toContain(`Model: backup-model, after primary-model ${words}`);
    primary.refuseWith = () => null;
    await primaryAnswersAgain(key);
  });

  it("fails an agent's own model over to the agent's own fallbacks, and the others to the install's", async () => {
    primary.refuseWith = () => 500;
    try {
      expect(await stack.send('ops:test:own-fallbacks', 'hello')).toMatchObject({ text: 'ops backup heard: hello' });
      expect(await answerOf('ops:test:own-fallbacks', 1)).toMatchObject({ model: 'ops-backup-model', failovers: [{ model: 'ops-model' }] });
      expect(await stack.send('main:test:install-fallbacks', 'hello')).toMatchObject({ text: 'backup heard: hello' });
      expect(opsBackup.requests.filter((r) => r.messages.at(-1)?.content === 'hello')).toHaveLength(1);
    } finally {
      primary.refuseWith = () => null;
    }
    await primaryAnswersAgain('main:test:install-fallbacks');
  });

  it('fails over when the primary refuses connections, and when it times out', async () => {
    const key = 'main:test:failover-down';
    await primary.stop();
    expect(await stack.send(key, 'anyone there?')).toMatchObject({ turn: 1, text: 'backup heard: anyone there?' });
    expect(await answerOf(key, 1)).toMatchObject({ model: 'backup-model', failovers: [{ model: 'primary-model', kind: 'unreachable' }] });
    await primary.start(primaryPort);
    await primaryAnswersAgain(key);

    primary.latencyMs = () => 3000;
    try {
      expect(await stack.send(key, 'still there?')).toMatchObject({ text: 'backup heard: still there?' });
      expect(await answerOf(key, 3)).toMatchObject({ failovers: [{ model: 'primary-model', kind: 'timeout' }] });
    } finally {
      primary.latencyMs = () => 0;
    }
    await primaryAnswersAgain(key);
  });

  it('skips a model that failed on the next turns, returns to it after its cooldown, and a restarted runtime remembers', async () => {
    const key = 'main:test:failover-cooldown';
    primary.refuseWith = () => 503;
    expect(await stack.send(key, 'one')).toMatchObject({ text: 'backup heard: one' });
    primary.refuseWith = () => null;
    const asked = primary.requests.length;
    // Cooling: straight to the backup, the primary not asked at all.
    expect(await stack.send(key, 'two')).toMatchObject({ text: 'backup heard: two' });
    expect(primary.requests.length).toBe(asked);
    expect(await answerOf(key, 2)).not.toHaveProperty('failovers');

    // The runtime restarts (a new process, nothing in memory): the session tells it what it knew.
    const port = Number(new URL(runtime.url).port);
    await runtime.close();
    runtime = await startFailoverRuntime(port);
    expect(await stack.send(key, 'three')).toMatchObject({ text: 'backup heard: three' });
    expect(primary.requests.length).toBe(asked);

    await new Promise((resolve) => setTimeout(resolve, 4200));
    expect(await stack.send(key, 'four')).toMatchObject({ text: 'primary heard: four' });
  });

  it('rotates to the next key on a 429 and keeps to it while the first cools down', async () => {
    const key = 'main:test:failover-keys';
    primary.refuseWith = (r) => (r.authorization === 'Bearer key-one' ? 429 : null);
    const before = primary.requests.length;
    expect(await stack.send(key, 'first')).toMatchObject({ text: 'primary heard: first' });
    expect(await answerOf(key, 1)).toMatchObject({ model: 'primary-model', failovers: [{ model: 'primary-model', kind: 'rateLimited' }] });
    expect(await stack.send(key, 'second')).toMatchObject({ text: 'primary heard: second' });
    expect(primary.requests.slice(before).map((r) => r.authorization)).toEqual(['Bearer key-one', 'Bearer key-two', 'Bearer key-two']);
    expect(backup.requests.filter((r) => r.messages.at(-1)?.content === 'first')).toEqual([]);
    primary.refuseWith = () => null;
  });
});
