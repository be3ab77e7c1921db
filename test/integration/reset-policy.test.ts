import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { namespaceForFile } from '../helpers/namespace.js';
import { TestStack } from '../helpers/test-stack.js';

describe('a conversation that starts afresh on its own (session.reset)', () => {
  let stack: TestStack;

  beforeAll(async () => {
    // Idle after 3 seconds, so that a test can wait for it.
    stack = await TestStack.start({ namespace: namespaceForFile(import.meta.url), config: { session: { reset: { mode: 'idle', idleMinutes: 0.05 } } } });
    stack.model.setReply((r) => `I see ${r.messages.filter((m) => m.role === 'user').length} message(s)`);
    await stack.startWorker();
  });
  afterAll(() => stack?.stop());

  it('answers the first message after the idle time in a fresh context, and marks the transcript', async () => {
    const key = 'main:test:idle';
    await stack.send(key, 'my name is Ada');
    expect((await stack.send(key, 'what is my name?')).text).toBe('I see 2 message(s)');
    await new Promise((resolve) => setTimeout(resolve, 3_500));
    const reply = await stack.send(key, 'and now?');
    expect(reply.text).toBe('I see 1 message(s)');
    expect(stack.model.requests.at(-1)!.messages.some((m) => m.content === 'my name is Ada')).toBe(false);
    const transcript = await stack.storedTranscript(key);
    expect(transcript.find((e) => e.reset)).toMatchObject({ role: 'assistant', text: "[A fresh conversation starts here (0.05 idle minutes): the turns above are no longer in the agent's context.]" });
    expect(transcript.at(-1)).toMatchObject({ role: 'assistant', text: 'I see 1 message(s)' });
  });
});
