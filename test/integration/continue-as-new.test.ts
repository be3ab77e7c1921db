import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { summarizerPromptStart } from '../../src/agent/runtime/summarize.js';
import { deliverInbound } from '../../src/session-client/session-client.js';
import { statusQuery } from '../../src/workflows/messages.js';
import { parseSessionKey, sessionWorkflowId } from '../../src/contracts/session-key.js';
import { namespaceForFile } from '../helpers/namespace.js';
import { TestStack } from '../helpers/test-stack.js';

describe('continue-as-new', () => {
  let stack: TestStack;

  beforeAll(async () => {
    stack = await TestStack.start({
      namespace: namespaceForFile(import.meta.url),
      // followup: the queued messages are answered a turn each, so that every run boundary has some to carry.
      config: { session: { continueAsNewAfterTurns: 3, historyTurns: 5 }, messages: { queue: { mode: 'followup' } } },
    });
    await stack.startWorker();
  });
  afterAll(() => stack?.stop());

  it('spans a 20-turn conversation over several runs without losing context, queue or dedupe state', async () => {
    const key = 'main:test:long';
    const workflowId = sessionWorkflowId(parseSessionKey(key));
    // As the summarizer (compaction, every few turns with historyTurns 5), it lists the facts it was shown.
    stack.model.setReply((r) =>
      String(r.messages[0]?.content).startsWith(summarizerPromptStart)
        ? [...new Set(r.messages.flatMap((m) => String(m.content).match(/fact \d+/g) ?? []))].join(', ')
        : `ok ${r.messages.at(-1)?.content}`,
    );

    await stack.send(key, 'fact 1', { messageId: 'm1' });
    await stack.send(key, 'fact 2', { messageId: 'm2' });
    // Turn 3 ends the first run; messages queued behind it must be carried into the next run, in order.
    stack.model.hold();
    const third = stack.send(key, 'fact 3', { messageId: 'm3' });
    await stack.model.waitForRequests(3);
    for (const n of [4, 5, 6]) await deliverInbound(stack.client, stack.config, key, { text: `fact ${n}`, messageId: `m${n}` });
    stack.model.release();
    await third;
    await stack.waitForTurns(key, 6);
    for (let n = 7; n <= 20; n += 1) await stack.send(key, `fact ${n}`, { messageId: `m${n}` });

    // The last turn saw every fact, across run boundaries: the older ones in the summary, the newest word for word.
    const last = stack.model.requests.at(-1)!;
    const recent = last.messages.filter((m) => m.role === 'user').map((m) => m.content);
    expect(recent.at(-1)).toBe('fact 20');
    expect(recent.length).toBeLessThanOrEqual(5);
    const summary = String(last.messages[0]?.content).split('Summary of the earlier conversation:\n')[1] ?? '';
    const seen = new Set([...(summary.match(/fact \d+/g) ?? []), ...recent]);
    expect([...seen].sort()).toEqual(Array.from({ length: 20 }, (_, i) => `fact ${i + 1}`).sort());

    const status = await stack.client.workflow.getHandle(workflowId).query(statusQuery);
    // Twenty answers, and a turn number for each compaction's summary.
    expect(status.turns).toBeGreaterThan(20);
    expect(status.runs).toBeGreaterThanOrEqual(7);
    const runs = [];
    for await (const run of stack.client.workflow.list({ query: `WorkflowId = '${workflowId}'` })) runs.push(run.status.name);
    expect(runs.filter((s) => s === 'CONTINUED_AS_NEW').length).toBeGreaterThanOrEqual(6);
    expect(runs.filter((s) => s === 'RUNNING')).toHaveLength(1);

    // A message from the first run, redelivered now, is still recognised: same reply, no new turn.
    const requestsBefore = stack.model.requests.length;
    expect(await stack.send(key, 'fact 2', { messageId: 'm2' })).toMatchObject({ turn: 2, text: 'ok fact 2' });
    expect(stack.model.requests.length).toBe(requestsBefore);

    const transcript = await stack.transcript(key);
    expect(transcript.filter((e) => e.role === 'user').map((e) => e.text)).toEqual(Array.from({ length: 20 }, (_, i) => `fact ${i + 1}`));
    expect(
      stack.model.requests.filter((r) => !String(r.messages[0]?.content).startsWith(summarizerPromptStart)).map((r) => r.messages.at(-1)?.content),
    ).toHaveLength(20);
  });
});
