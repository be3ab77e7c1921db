import { Worker } from '@temporalio/worker';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseSessionKey, sessionWorkflowId } from '../../src/contracts/session-key.js';
import { createLogger } from '../../src/logger.js';
import { dataConverterFor } from '../../src/temporal/data-converter.js';
import { loadWorkflowBundle } from '../../src/workers/workflow-bundle.js';
import { heartbeatScheduleId } from '../../src/schedules/schedule-ids.js';
import { FakeTelegram } from '../helpers/fake-telegram.js';
import { namespaceForFile } from '../helpers/namespace.js';
import { FakeModel } from '../helpers/fake-model.js';
import { ownStackEnv } from '../helpers/own-stack-env.js';
import { runCli, spawnCli, stopStack, type CliProcess } from '../helpers/processes.js';
import { scheduleFirings } from '../helpers/schedule-firings.js';
import { TestStack } from '../helpers/test-stack.js';

/**
 * Money: every turn's tokens (as the fake model reports them: 10 in, 5 out a call) in the usage ledger, priced by
 * model.pricing; a daily budget of 45 tokens is three turns, after which no model is called — across a restart.
 */
describe('usage and budgets', () => {
  const telegram = new FakeTelegram();
  let stack: TestStack;
  let worker: CliProcess;
  const key = 'main:test:budget';

  const cli = async (...args: string[]): Promise<string> => {
    const result = await runCli(args, stack.env);
    expect(result.code, result.output).toBe(0);
    return result.output;
  };

  beforeAll(async () => {
    await telegram.start();
    stack = await TestStack.start({
      namespace: namespaceForFile(import.meta.url),
      config: {
        api: { token: 'budget-test-api-token' },
        budget: { dailyTokens: 45, warnAt: 60 },
        model: { pricing: { scripted: { input: 1000, output: 2000 } } },
        channels: { telegram: { apiRoot: telegram.apiRoot, allowFrom: ['42'], pollTimeoutSeconds: 1 } },
        schedules: { timeZone: 'UTC' },
      },
      env: { CLAWFLOW_TELEGRAM_BOT_TOKEN: '123456:TEST-token' },
    });
    stack.model.setReply((r) => `noted: ${String(r.messages.at(-1)?.content)}`);
    worker = await stack.startWorker();
    await stack.startConnector();
  });
  afterAll(async () => {
    await stack?.stop();
    await telegram.stop();
  });

  it('counts what the model reported, the API says the same, and a spent budget stops the next call without a request, also after a restart', async () => {
    // A turn through the OpenAI-compatible API: its usage field is the model's.
    const api = await stack.startApi();
    const response = await fetch(`${api.url}/chat/completions`, {
      method: 'POST',
      headers: { authorization: 'Bearer budget-test-api-token', 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'clawflow', user: 'budget-api', messages: [{ role: 'user', content: 'via the API' }] }),
    });
    expect(await response.json()).toMatchObject({ usage: { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 } });
    expect(await stack.send(key, 'one')).toMatchObject({ text: 'noted: one' });
    // Past warnAt (60 % of 45): the owner's main conversation is told once, with an answer there.
    const main = await stack.send('main:main:main', 'and in the main conversation');
    expect(main.text).toBe("noted: and in the main conversation\n\n(Today's budget is 66% used: 30 tokens of 45 tokens.)");

    // The turn answers with why (a caller waiting on it gets that as the turn's failure), without asking the model.
    const refusal = (text: string): Promise<string> =>
      stack.send(key, text).then(
        (reply) => `answered: ${reply.text}`,
        (error: Error) => String((error.cause as Error | undefined)?.message),
      );
    const asked = stack.model.requests.length;
    const refused = await refusal('two');
    expect(refused).toMatch(/^The agent could not answer: Today's budget of 45 tokens is spent \(45 tokens used\); it resets at \d{4}-\d\d-\d\d 00:00 \(UTC\)/);
    expect(refused).toContain('Raise budget.dailyTokens in clawflow.json');
    expect(stack.model.requests.length).toBe(asked);

    // The whole worker side restarts: the ledger is read again, nothing resets.
    await stack.kill(worker, 'SIGTERM');
    worker = await stack.startWorker();
    expect(await refusal('three')).toContain("Today's budget of 45 tokens is spent");
    expect(stack.model.requests.length).toBe(asked);

    const usage = JSON.parse(await cli('usage', '--json')) as {
      today: { turns: number; inputTokens: number; outputTokens: number; usd: number };
      budgets: Array<{ spent: string | null }>;
    };
    expect(usage.today).toMatchObject({ turns: 3, inputTokens: 30, outputTokens: 15 });
    // 10 × $1000 + 5 × $2000 per million tokens, three times.
    expect(usage.today.usd).toBeCloseTo(0.06);
    expect(usage.budgets[0]!.spent).toContain('is spent');
    expect(await cli('usage')).toMatch(/This month: 3 turn\(s\), 45 tokens, \$0\.0600/);
    // The same in the chat, answered by the session without the model.
    const inChat = (await stack.send(key, '/usage')).text;
    expect(inChat.split('\n')).toEqual([
      'This conversation today (UTC): 10 tokens in, 5 out, over 1 turn',
      'Today (UTC, all agents): 3 turns, 45 tokens, $0.0600',
      'This month: 3 turns, 45 tokens, $0.0600',
      'Budget: today 45 of 45 tokens (100%)',
    ]);
    expect(stack.model.requests.length).toBe(asked);
    // The session as it ran (its /usage patch marker and local activity among it) replays on this code.
    const workflowId = sessionWorkflowId(parseSessionKey(key));
    const history = await stack.client.workflow.getHandle(workflowId).fetchHistory();
    const workflowBundle = await loadWorkflowBundle(stack.config.paths.cacheDir, createLogger('silent'));
    await Worker.runReplayHistory({ workflowBundle, dataConverter: dataConverterFor(stack.config) }, history, workflowId);
  });

  it('skips heartbeats over budget, telling the owner once', async () => {
    await cli('heartbeat', 'set', '--every', '1h', '--to', 'telegram:77');
    const asked = stack.model.requests.length;
    for (let run = 0; run < 2; run += 1) {
      const done = await scheduleFirings(stack.client, heartbeatScheduleId('main'), 'Completed');
      await cli('heartbeat', 'run');
      await expect.poll(() => scheduleFirings(stack.client, heartbeatScheduleId('main'), 'Completed'), { timeout: 20_000 }).toBe(done + 1);
      await expect
        .poll(async () => (await stack.client.schedule.getHandle(heartbeatScheduleId('main')).describe()).info.runningActions.length, { timeout: 20_000 })
        .toBe(0);
    }
    const sent = telegram.sent().filter((m) => Number(m.chat_id) === 77);
    expect(sent.map((m) => m.text)).toEqual([expect.stringMatching(/^The scheduled turn "heartbeat" was skipped: Today's budget of 45 tokens is spent/)]);
    expect(stack.model.requests.length).toBe(asked);
    await cli('heartbeat', 'off');
  });
});

describe('a spent budget across a restart of the whole stack (`clawflow start`: Temporal, workers, runtime)', () => {
  const model = new FakeModel((r) => `noted: ${String(r.messages.at(-1)?.content)}`);
  const work = mkdtempSync(join(tmpdir(), 'clawflow-budget-restart-'));
  let env: NodeJS.ProcessEnv;
  let running: CliProcess | undefined;

  beforeAll(async () => {
    await model.start();
    env = await ownStackEnv(join(work, 'home'), {
      CLAWFLOW_MODEL_BASE_URL: model.baseUrl,
      CLAWFLOW_MODEL: 'scripted',
      CLAWFLOW_BUDGET_DAILY_TOKENS: '30',
      CLAWFLOW_TIMEZONE: 'UTC',
    });
  });
  afterAll(async () => {
    await stopStack(running, join(work, 'home'));
    await model.stop();
    rmSync(work, { recursive: true, force: true });
  });

  const start = async (): Promise<CliProcess> => {
    const stack = spawnCli(['start'], env);
    await stack.waitFor(/Press Ctrl-C to stop/, 120_000);
    return stack;
  };

  it('refuses the next model call after the stack is stopped and started again', async () => {
    running = await start();
    for (const text of ['one', 'two']) expect((await runCli(['send', 'main:cli:restart', text], env)).output).toContain(`noted: ${text}`);
    await stopStack(running, join(work, 'home'));
    running = await start();
    const asked = model.requests.length;
    const refused = await runCli(['send', 'main:cli:restart', 'three'], env);
    expect(refused.output).toContain("Today's budget of 30 tokens is spent (30 tokens used)");
    expect(model.requests.length).toBe(asked);
  });
});
