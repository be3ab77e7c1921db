import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toolThenReport } from '../helpers/fake-model.js';
import { FakeTelegram } from '../helpers/fake-telegram.js';
import { namespaceForFile } from '../helpers/namespace.js';
import { runCli } from '../helpers/processes.js';
import { TestStack } from '../helpers/test-stack.js';

const owner = { id: 42, first_name: 'Ada' };

/**
 * Tools that wait for their host: the tools run in a worker of their own (a laptop with `clawflow worker --queues
 * tools`) that is not there. A call waits in its task queue — the chat told at once — and runs exactly once when a
 * host polls again, or the model hears it did not run once its wait (tools.hostWait) is over.
 */
describe('tool calls that wait for their host', () => {
  const telegram = new FakeTelegram();
  let stack: TestStack;

  beforeAll(async () => {
    await telegram.start();
    stack = await TestStack.start({
      namespace: namespaceForFile(import.meta.url),
      config: {
        channels: { telegram: { apiRoot: telegram.apiRoot, allowFrom: [String(owner.id)], pollTimeoutSeconds: 1 } },
        tools: { exec: { policy: 'full', sandbox: 'none' }, hostWaitPerTool: { read: '6s' } },
      },
      env: { CLAWFLOW_TELEGRAM_BOT_TOKEN: '123456:TEST-token' },
    });
    // Sessions and the model, but no tools host.
    await stack.startWorker('sessions,agent');
    await stack.startConnector();
  });
  afterAll(async () => {
    await stack?.stop();
    await telegram.stop();
  });

  it('tells the chat at once, shows calls waiting in status, and runs it exactly once when a tools host starts', { timeout: 120_000 }, async () => {
    stack.model.setReply(toolThenReport('exec', { command: 'echo ran >> runs.txt' }));
    telegram.userMessage(owner, 'note that it ran');
    await expect
      .poll(() => telegram.textsTo(owner.id).find((t) => t.startsWith('The machine that runs my tools is not connected right now.')), { timeout: 30_000 })
      .toBe('The machine that runs my tools is not connected right now. exec will run as soon as it is back (I wait up to 1h), and then I answer.');
    await expect
      .poll(async () => (await runCli(['status'], stack.env)).output, { timeout: 30_000 })
      .toMatch(/tools worker: nothing polls clawflow-tools; about \d+ call\(s\) waiting for a tools host/);
    const workspace = stack.config.paths.workspaceDir;
    expect(existsSync(join(workspace, 'runs.txt'))).toBe(false);

    // The host wakes up: the call runs, once, and the answer follows.
    const tools = await stack.startWorker('tools');
    await expect.poll(() => telegram.textsTo(owner.id).some((t) => t.startsWith('tool said: exit code 0')), { timeout: 30_000 }).toBe(true);
    expect(readFileSync(join(workspace, 'runs.txt'), 'utf8')).toBe('ran\n');
    await stack.kill(tools, 'SIGTERM');
  });

  it("tells the model the call did not run once the tool's wait is over (tools.hostWaitPerTool)", { timeout: 120_000 }, async () => {
    // (The chat is not told this time: the host stopped a moment ago, and one seen polling in the last minute counts as there.)
    stack.model.setReply(toolThenReport('read', { path: 'USER.md' }));
    const before = telegram.textsTo(owner.id).length;
    telegram.userMessage(owner, 'what do you know of me?');
    await expect
      .poll(
        () =>
          telegram
            .textsTo(owner.id)
            .slice(before)
            .find((t) => t.startsWith('tool said:')),
        { timeout: 40_000 },
      )
      .toBe('tool said: Error: read did not run: its host (the tools worker) was not back within 6s');
  });
});
