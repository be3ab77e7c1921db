import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { namespaceForFile } from '../helpers/namespace.js';
import { TestStack } from '../helpers/test-stack.js';

describe('a sessions worker that keeps one session in memory', () => {
  let stack: TestStack;

  beforeAll(async () => {
    stack = await TestStack.start({ namespace: namespaceForFile(import.meta.url), config: { session: { maxCached: 1 } } });
    stack.model.setReply(
      (r) =>
        `heard ${r.messages
          .filter((m) => m.role === 'user')
          .map((m) => m.content)
          .join(' + ')}`,
    );
    await stack.startWorker();
  });
  afterAll(() => stack?.stop());

  it('answers sessions that take turns, each with its own whole context (the evicted one replays)', async () => {
    for (let round = 1; round <= 3; round += 1) {
      for (const who of ['ada', 'bob']) {
        const reply = await stack.send(`main:test:${who}`, `${who} ${round}`);
        expect(reply.text).toBe(`heard ${Array.from({ length: round }, (_, i) => `${who} ${i + 1}`).join(' + ')}`);
      }
    }
  });
});
