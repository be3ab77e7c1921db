import { describe, expect, it } from 'vitest';
import { SessionContextCache } from '../../../src/agent/runtime/session-cache.js';

const turn = (n: number) => ({
  turn: n,
  messages: [
    { role: 'user' as const, content: `q${n}` },
    { role: 'assistant' as const, content: `a${n}` },
  ],
});

describe("the runtime's session context cache", () => {
  it("resumes what it holds, forgets an attempt the caller never saw, and keeps the caller's window", () => {
    const cache = new SessionContextCache();
    cache.load('s', { systemPrompt: null, summary: null, keepTurns: 2, turns: [turn(1)] });
    cache.record('s', turn(2));
    cache.record('s', turn(3));
    expect(cache.resume('s', 3)!.turns.map((t) => t.turn)).toEqual([2, 3]);
    // Turn 3's answer was lost on the way back: the caller retries turn 3 from turn 2.
    expect(cache.resume('s', 2)!.turns.map((t) => t.turn)).toEqual([2]);
    expect(cache.resume('s', 3)).toBeNull();
    expect(cache.resume('unknown', 0)).toBeNull();
  });

  it('holds a bounded number of sessions, least recently used out first', () => {
    const cache = new SessionContextCache(2);
    for (const id of ['a', 'b']) cache.load(id, { systemPrompt: null, summary: null, keepTurns: 5, turns: [] });
    cache.resume('a', 0);
    cache.load('c', { systemPrompt: null, summary: null, keepTurns: 5, turns: [] });
    expect(cache.resume('b', 0)).toBeNull();
    expect(cache.resume('a', 0)).not.toBeNull();
  });
});
