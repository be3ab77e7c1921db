import { describe, expect, it } from 'vitest';
import { PromptConversations } from '../../../src/agent/runtime/prompt-conversations.js';

describe('the conversations of {"prompt"} callers, per runtime session id', () => {
  it('keeps the last turns within their size, the most recent sessions, and forgets an idle one', () => {
    let now = 0;
    const prompts = new PromptConversations({ turns: 2, chars: 40, sessions: 2, idleMs: 1000 }, () => now);
    prompts.answered('a', 'one', '1');
    prompts.answered('a', 'two', '2');
    prompts.answered('a', 'three', '3');
    expect(prompts.messages('a', 'four').map((m) => m.content)).toEqual(['two', '2', 'three', '3', 'four']);
    // Past 40 characters the oldest exchange goes, the newest stays however long.
    prompts.answered('a', 'x'.repeat(50), 'long');
    expect(prompts.messages('a', 'next').map((m) => m.content)).toEqual(['x'.repeat(50), 'long', 'next']);
    prompts.answered('b', 'b1', 'b');
    prompts.answered('c', 'c1', 'c');
    expect(prompts.size).toBe(2);
    expect(prompts.messages('a', 'gone?')).toEqual([{ role: 'user', content: 'gone?' }]);
    now = 5000;
    expect(prompts.messages('c', 'later')).toEqual([{ role: 'user', content: 'later' }]);
    expect(prompts.size).toBe(0);
  });
});
