import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseSessionKey, sessionWorkflowId } from '../../src/contracts/session-key.js';
import { deliverInbound } from '../../src/session-client/session-client.js';
import { statusQuery } from '../../src/workflows/messages.js';
import { heard } from '../helpers/fake-model.js';
import { namespaceForFile } from '../helpers/namespace.js';
import { TestStack } from '../helpers/test-stack.js';

describe('a session never outgrows Temporal, and never forgets where it was', () => {
  let stack: TestStack;

  beforeAll(async () => {
    stack = await TestStack.start({
      namespace: namespaceForFile(import.meta.url),
      config: { session: { continueAsNewAfterTurns: 2 }, messages: { queue: { cap: 5, drop: 'summarize', mode: 'followup' } } },
    });
    stack.model.setReply(heard);
    await stack.startWorker();
  });
  afterAll(() => stack?.stop());

  const handle = (key: string) => stack.client.workflow.getHandle(sessionWorkflowId(parseSessionKey(key)));

  it('goes on from its transcript after its workflow was terminated: turn numbers and context', async () => {
    const key = 'main:test:terminated';
    await stack.send(key, 'first fact', { messageId: 't1' });
    await stack.waitForTurns(key, 1);
    await handle(key).terminate('an operator ended it');
    const reply = await stack.send(key, 'what did I say?', { messageId: 't2' });
    expect(reply).toMatchObject({ turn: 2, text: 'heard: first fact | what did I say?' });
    const transcript = await stack.waitForTurns(key, 2);
    expect(transcript.map((e) => `${e.turn}${e.role}`)).toEqual(['1user', '1assistant', '2user', '2assistant']);
  });

  it('takes six 100,000-character messages across continue-as-new without being terminated', async () => {
    const key = 'main:test:huge';
    stack.model.setReply((r) => `got ${String(r.messages.at(-1)?.content).length} characters`);
    try {
      // Each is past the context budget on its own: compaction folds the one before into the summary every time.
      const turns: number[] = [];
      for (let n = 1; n <= 6; n++) {
        const reply = await stack.send(key, `${n}`.repeat(100_000), { messageId: `huge-${n}` });
        expect(reply).toMatchObject({ text: 'got 100000 characters' });
        turns.push(reply.turn);
      }
      expect(turns).toEqual([...turns].sort((a, b) => a - b));
      const description = await handle(key).describe();
      expect(description.status.name).toBe('RUNNING');
      expect((await handle(key).query(statusQuery)).runs).toBeGreaterThanOrEqual(3);
      const transcript = await stack.storedTranscript(key);
      expect(transcript.filter((e) => e.role === 'user').map((e) => e.messageId)).toEqual([1, 2, 3, 4, 5, 6].map((n) => `huge-${n}`));
    } finally {
      stack.model.setReply(heard);
    }
  });

  it('keeps at most queue.cap messages waiting: the oldest give way, and the next turn hears how they began', async () => {
    const key = 'main:test:burst';
    const before = stack.model.requests.length;
    stack.model.hold();
    await deliverInbound(stack.client, stack.config, key, { text: 'the first one', messageId: 'b0' });
    await stack.model.waitForRequests(before + 1);
    for (let n = 1; n <= 12; n++) await deliverInbound(stack.client, stack.config, key, { text: `burst message ${n}`, messageId: `b${n}`, sender: 'Ada' });
    await expect.poll(async () => (await handle(key).query(statusQuery)).queued).toBe(5);
    stack.model.release();
    await stack.waitForTurns(key, 6);
    const status = await handle(key).query(statusQuery);
    expect(status.rejected.filter((r) => /gave way/.test(r))).toHaveLength(7);
    // The turn after the first was told about the seven that gave way, then got burst message 8.
    const second = stack.model.requests.slice(before).find((r) => r.messages.some((m) => String(m.content).includes('gave way')))!;
    const note = second.messages.find((m) => String(m.content).includes('gave way'))!.content!;
    expect(note).toContain('7 earlier message(s) gave way');
    expect(note).toContain('- Ada: burst message 1');
    expect(note).toContain('- Ada: burst message 7');
    expect(second.messages.at(-1)!.content).toBe('burst message 8');
    expect((await stack.waitForTurns(key, 6)).filter((e) => e.role === 'user').map((e) => e.text)).toEqual([
      'the first one',
      'burst message 8',
      'burst message 9',
      'burst message 10',
      'burst message 11',
      'burst message 12',
    ]);
  });
});
