import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { answerApproval, pendingApprovals } from '../../src/session-client/session-client.js';
import type { ApprovalRequest, TurnReply } from '../../src/workflows/messages.js';
import { toolThenReport } from '../helpers/fake-model.js';
import { TestStack } from '../helpers/test-stack.js';
import { startTimeSkipping } from '../helpers/time-skipping.js';

const minute = 60_000;
const hour = 60 * minute;
/** A message from the agent's owner, as the CLI sends it. */
const asOwner = { fromOwner: true, fromAgentOwner: true };

/**
 * Timers as users meet them — a day for an approval, a day's turn at 04:00, two idle hours — at their real
 * lengths, on Temporal's time-skipping test server: real `clawflow worker` processes, and time moved on by the test
 * (`env.sleep`) while the session waits. Each is checked on both sides of its moment.
 */
describe.skipIf(inject('machine').timeSkipping)('timers of minutes to days, at their real lengths (time-skipping test server)', () => {
  let env: TestWorkflowEnvironment;
  let stack: TestStack;

  beforeAll(async () => {
    env = await startTimeSkipping();
    // The defaults, except what a test names: the approval's day, the daily reset at 04:00 (UTC here).
    stack = await TestStack.start({
      namespace: 'default',
      temporalAddress: env.address,
      config: { tools: { exec: { policy: 'ask', sandbox: 'none' } }, schedules: { timeZone: 'UTC' }, session: { reset: { mode: 'daily', idleMinutes: 120 } } },
    });
    await stack.startWorker();
  }, 120_000);
  afterAll(async () => {
    await stack?.stop();
    await env?.teardown();
  });

  /** The model asks to run `command`, then answers with what the tool said. */
  const runThenReport = (command: string) => toolThenReport('exec', { command });

  /** Sends a message whose command waits for an approval; resolves with the turn's reply and the waiting request. */
  const askToRun = async (key: string, command: string): Promise<{ reply: Promise<TurnReply>; request: ApprovalRequest }> => {
    stack.model.setReply(runThenReport(command));
    const reply = stack.send(key, 'please run it', asOwner);
    let pending: ApprovalRequest[] = [];
    await expect.poll(async () => (pending = await pendingApprovals(stack.client, stack.config, key)).length).toBe(1);
    return { reply, request: pending[0]! };
  };

  it('an approval waits its whole day (tools.exec.approvalTtl): answered at hour 23 the command runs; unanswered, it is denied at hour 24', async () => {
    const workspace = stack.config.paths.workspaceDir;
    const late = await askToRun('main:timers:approve-late', 'echo late > late.txt');
    expect(Date.parse(late.request.expiresAt) - Date.parse(late.request.requestedAt)).toBe(24 * hour);
    await env.sleep(23 * hour);
    await answerApproval(stack.client, stack.config, 'main:timers:approve-late', { requestId: late.request.requestId, decision: 'once', byAgentOwner: true });
    expect((await late.reply).text).toMatch(/^tool said: exit code 0/);
    expect(existsSync(join(workspace, 'late.txt'))).toBe(true);

    const never = await askToRun('main:timers:unanswered', 'echo never > never.txt');
    await env.sleep(23 * hour + 59 * minute);
    expect(await pendingApprovals(stack.client, stack.config, 'main:timers:unanswered')).toHaveLength(1);
    await env.sleep(1 * minute + 1000);
    expect((await never.reply).text).toBe('tool said: Error: no answer from the user within 1d: the request expired, denied; not run: echo never > never.txt');
    expect(existsSync(join(workspace, 'never.txt'))).toBe(false);
    expect(await pendingApprovals(stack.client, stack.config, 'main:timers:unanswered')).toEqual([]);
  });

  it('a conversation starts afresh with the first message after 04:00, and not before', async () => {
    const key = 'main:timers:daily';
    stack.model.setReply((r) => `I see ${r.messages.filter((m) => m.role === 'user').length} message(s)`);
    // To 03:50 of the coming night, by the server's clock.
    const now = await env.currentTimeMs();
    const night = new Date(now);
    night.setUTCHours(3, 50, 0, 0);
    if (night.getTime() <= now) night.setUTCDate(night.getUTCDate() + 1);
    await env.sleep(night.getTime() - now);
    await stack.send(key, 'my name is Ada');
    await env.sleep(9 * minute); // 03:59
    expect((await stack.send(key, 'what is my name?')).text).toBe('I see 2 message(s)');
    await env.sleep(2 * minute); // 04:01
    expect((await stack.send(key, 'and now?')).text).toBe('I see 1 message(s)');
    expect(stack.model.requests.at(-1)!.messages.some((m) => m.content === 'my name is Ada')).toBe(false);
    const transcript = await stack.storedTranscript(key);
    expect(transcript.filter((e) => e.reset)).toHaveLength(1);
  });

  it('a conversation idle for two hours starts afresh, and one idle for less goes on', async () => {
    const key = 'main:timers:idle';
    stack.model.setReply((r) => `I see ${r.messages.filter((m) => m.role === 'user').length} message(s)`);
    // Clear of 04:00, so that only the idle time can start it afresh: to 10:00 of the coming day.
    const now = await env.currentTimeMs();
    const morning = new Date(now);
    morning.setUTCHours(10, 0, 0, 0);
    if (morning.getTime() <= now) morning.setUTCDate(morning.getUTCDate() + 1);
    await env.sleep(morning.getTime() - now);
    await stack.send(key, 'my name is Ada');
    await env.sleep(119 * minute);
    expect((await stack.send(key, 'what is my name?')).text).toBe('I see 2 message(s)');
    await env.sleep(121 * minute);
    expect((await stack.send(key, 'and now?')).text).toBe('I see 1 message(s)');
    const transcript = await stack.storedTranscript(key);
    expect(transcript.find((e) => e.reset)).toMatchObject({
      role: 'assistant',
      text: "[A fresh conversation starts here (120 idle minutes): the turns above are no longer in the agent's context.]",
    });
  });
});
