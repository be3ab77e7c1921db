import { describe, expect, it } from 'vitest';
import type { TranscriptEntry } from '../../src/contracts/session-records.js';
import { repairedState, type RunRecord } from '../../src/session-client/repair.js';
import { sessionSettingsSchema } from '../../src/workflows/messages.js';

const settings = sessionSettingsSchema.parse({
  historyTurns: 20,
  continueAsNewAfterTurns: 200,
  dedupeWindow: 1000,
  turnTimeoutSeconds: 300,
  heartbeatTimeoutSeconds: 15,
  retryForSeconds: 1800,
});
const route = { channel: 'telegram', chat: '42' };
const at = '2026-11-25T10:00:00.000Z';
const entries = (turn: number, id: string, answer: string): TranscriptEntry[] => [
  { turn, role: 'user', text: `q${turn}`, messageId: id, at },
  { turn, role: 'assistant', text: answer, at },
];

describe('repairing a stuck session', () => {
  it('queues again what was not answered, delivers again what was answered but not delivered, and remembers every id', () => {
    const run: RunRecord = {
      input: { sessionKey: 'main:telegram:42', settings },
      messages: ['m1', 'm2', 'm3', 'm3', 'm4'].map((id) => ({ message: { messageId: id, text: `text of ${id}`, route }, receivedAt: at })),
      deliveredKeys: new Set(['session:main:telegram:42:1']),
    };
    // Turns 1 and 2 reached the transcript; only turn 1's delivery finished. m3 (sent twice) and m4 were never answered.
    const transcript = [...entries(1, 'm1', 'a1'), ...entries(2, 'm2', 'a2')];
    const state = repairedState(run, transcript, 'session:main:telegram:42', 'TMPRL1100 Nondeterminism', at);
    expect(state.turns).toBe(2);
    expect(state.queue.map((m) => [m.messageId, m.awaited])).toEqual([
      ['m3', false],
      ['m4', false],
    ]);
    expect(state.pendingDeliveries).toEqual([{ route, text: 'a2', idempotencyKey: 'session:main:telegram:42:2' }]);
    expect(state.seenMessageIds).toEqual(['m1', 'm2', 'm3', 'm4']);
    expect(state.window.map((e) => e.text)).toEqual(['q1', 'a1', 'q2', 'a2']);
    expect(state.recentReplies.map((r) => [r.messageId, r.text])).toEqual([
      ['m1', 'a1'],
      ['m2', 'a2'],
    ]);
    expect(state.runtimeSession.syncedThroughTurn).toBeNull();
    expect(state.rejected.at(-1)).toMatch(/repaired by clawflow sessions repair: TMPRL1100/);
  });
});
