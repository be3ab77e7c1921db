import { fileURLToPath } from 'node:url';
import { bundleWorkflowCode, NativeConnection, Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createAgentActivities } from '../../src/activities/invoke-agent.js';
import { createTranscriptActivities } from '../../src/activities/transcript.js';
import { createHttpTransport } from '../../src/agent/transport/http.js';
import { runtimeToken } from '../../src/config/secrets.js';
import { startConsole } from '../../src/console/console.js';
import { consoleOpenUrl } from '../../src/config/secrets.js';
import { createLogger } from '../../src/logger.js';
import { deliverInbound } from '../../src/session-client/session-client.js';
import { JsonlTranscriptStore } from '../../src/transcript/jsonl-store.js';
import { heard } from '../helpers/fake-model.js';
import { namespaceForFile } from '../helpers/namespace.js';
import { launchChromium, pageForTest } from '../helpers/page-for-test.js';
import { runCli } from '../helpers/processes.js';
import { TestStack } from '../helpers/test-stack.js';
import { dataConverterFor } from '../../src/temporal/data-converter.js';

const quiet = { log: () => undefined, trace: () => undefined, debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };

describe('a session stuck on a workflow-task failure is shown and repaired, nothing lost or answered twice', () => {
  let stack: TestStack;
  const key = 'main:test:legacy';
  /** Another session of the old code, repaired from the console. */
  const other = 'main:test:legacy-other';

  beforeAll(async () => {
    stack = await TestStack.start({ namespace: namespaceForFile(import.meta.url) });
    stack.model.setReply(heard);
  });
  afterAll(() => stack?.stop());

  it('shows it as stuck with the reason, and repair answers what was waiting with the context it had', async () => {
    // A session started by older code (another shape of workflow), answering two messages.
    const connection = await NativeConnection.connect({ address: inject('temporalAddress') });
    const namespace = namespaceForFile(import.meta.url);
    const workflowBundle = await bundleWorkflowCode({
      workflowsPath: fileURLToPath(new URL('../fixtures/workflows/legacy-session-workflow.ts', import.meta.url)),
      logger: quiet,
    });
    const legacy = await Worker.create({
      connection,
      namespace,
      taskQueue: 'clawflow-sessions',
      workflowBundle,
      dataConverter: dataConverterFor(stack.config),
    });
    const legacyActivities = await Worker.create({
      connection,
      namespace,
      taskQueue: 'clawflow-agent',
      dataConverter: dataConverterFor(stack.config),
      activities: {
        ...createAgentActivities({
          transport: createHttpTransport(stack.runtime.url, runtimeToken(stack.config)),
          deltas: { accepts: () => false, open: () => () => undefined, openForCaller: () => null },
          imageLinks: null,
        }),
        ...createTranscriptActivities(new JsonlTranscriptStore(stack.config.paths.transcriptsDir)),
      },
    });
    const running = Promise.all([legacy.run(), legacyActivities.run()]);
    await deliverInbound(stack.client, stack.config, key, { text: 'my name is Ada', messageId: 'legacy-1' });
    await deliverInbound(stack.client, stack.config, key, { text: 'I live in Lyon', messageId: 'legacy-2' });
    await deliverInbound(stack.client, stack.config, other, { text: 'my name is Grace', messageId: 'legacy-other-1' });
    await stack.waitForTurns(key, 2);
    await stack.waitForTurns(other, 1);
    legacy.shutdown();
    legacyActivities.shutdown();
    await running;
    await connection.close();

    // The upgrade: a message arrives, and today's worker cannot replay the session.
    await deliverInbound(stack.client, stack.config, key, { text: 'where do I live?', messageId: 'legacy-3' });
    await deliverInbound(stack.client, stack.config, other, { text: 'what is my name?', messageId: 'legacy-other-2' });
    await stack.startWorker();
    let listed: Array<{ sessionKey: string; status: string; problem?: string }> = [];
    await expect
      .poll(
        async () => {
          listed = JSON.parse((await runCli(['sessions', 'list', '--json'], stack.env)).output) as typeof listed;
          return listed.find((s) => s.sessionKey === key)?.status;
        },
        { timeout: 60_000, interval: 1000 },
      )
      .toBe('stuck');
    expect(listed.find((s) => s.sessionKey === key)!.problem).toMatch(/Nondeterminism|TMPRL1100/);
    const table = await runCli(['sessions', 'list'], stack.env);
    expect(table.output).toContain(`npx clawflow sessions repair ${key}`);
    expect(stack.model.requests.some((r) => r.messages.at(-1)?.content === 'where do I live?')).toBe(false);

    const repaired = await runCli(['sessions', 'repair', key], stack.env);
    expect(repaired.code, repaired.output).toBe(0);
    expect(repaired.output).toContain('It goes on from turn 2; 1 unanswered message(s) queued again');

    const transcript = await stack.waitForTurns(key, 3);
    expect(transcript.map((e) => `${e.turn}${e.role}`)).toEqual(['1user', '1assistant', '2user', '2assistant', '3user', '3assistant']);
    // Answered with the context of the turns the old code answered.
    expect(transcript.at(-1)!.text).toBe('heard: my name is Ada | I live in Lyon | where do I live?');
    expect(stack.model.requests.filter((r) => r.messages.at(-1)?.content === 'where do I live?')).toHaveLength(1);
    // The list catches up within session.listRefreshSeconds (the new run showed turn 2 as it began, moments before).
    const shown = async () => (JSON.parse((await runCli(['sessions', 'list', '--json'], stack.env)).output) as typeof listed).find((s) => s.sessionKey === key);
    await expect.poll(shown, { timeout: 30_000, interval: 1000 }).toMatchObject({ status: 'idle', turns: 3 });
    expect((await shown())!.problem).toBeUndefined();

    // And it keeps going, once per message.
    expect((await stack.send(key, 'thanks', { messageId: 'legacy-4' })).turn).toBe(4);

    // The other one, from the console: its page says it is stuck and why, and a click on Repair moves it on.
    if (inject('machine').chromium) return;
    const console_ = await startConsole({
      config: stack.config,
      client: stack.client,
      logger: createLogger('silent'),
      webUiOrigin: null,
      checkStack: async () => [],
      port: 0,
      env: stack.env,
    });
    const browser = await launchChromium();
    try {
      const page = await pageForTest(browser);
      page.on('dialog', (dialog) => void dialog.accept());
      await page.goto(consoleOpenUrl(stack.config, console_.url));
      await page.goto(`${console_.url}/#/session/${encodeURIComponent(other)}`);
      await expect.poll(() => page.locator('.count .status').textContent(), { timeout: 30_000 }).toBe('stuck');
      expect(await page.locator('.stuck-why').textContent()).toMatch(/Nondeterminism|TMPRL1100/);
      await page.getByRole('button', { name: 'Repair' }).click();
      await expect
        .poll(() => page.locator('#outcomes li.outcome').first().textContent(), { timeout: 30_000 })
        .toMatch(new RegExp(`^Repaired ${other} .*it goes on from turn 1, 1 unanswered`));
      const answered = await stack.waitForTurns(other, 2);
      expect(answered.at(-1)!.text).toBe('heard: my name is Grace | what is my name?');
      await expect.poll(() => page.locator('.count .status').textContent(), { timeout: 30_000 }).toBe('idle');
      await page.close();
    } finally {
      await browser.close();
      await console_.close();
    }
  }, 240_000);
});
