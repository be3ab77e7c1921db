import { describe, expect, it } from 'vitest';
import type { TranscriptEntry } from '../../../src/contracts/session-records.js';
import { BoundedSet } from '../../../src/contracts/bounded-set.js';
import { admitToQueue, droppedNote } from '../../../src/workflows/session/queue-admission.js';
import { boundForCarrying, carriedBytes, utf8Bytes, pushBounded } from '../../../src/workflows/session/carried-state.js';
import { freshRuntimeSession, rotationDue } from '../../../src/workflows/session/runtime-session.js';
import { trimWindow, windowToHistory } from '../../../src/workflows/session/context-window.js';
import { resetDue } from '../../../src/workflows/reset-policy.js';

const entry = (turn: number, role: TranscriptEntry['role'], text = `${role} ${turn}`): TranscriptEntry => ({ turn, role, text, at: '2026-01-01T00:00:00Z' });

describe('session state helpers', () => {
  it('remembers the most recent ids only', () => {
    const ids = new BoundedSet(['a', 'b', 'c'], 3);
    ids.add('d');
    expect(ids.has('a')).toBe(false);
    expect(ids.toArray()).toEqual(['b', 'c', 'd']);
    expect(new BoundedSet(['a', 'b', 'c', 'd'], 2).toArray()).toEqual(['c', 'd']);
  });

  it('keeps the window to the last N turns', () => {
    const window = [1, 2, 3, 4].flatMap((t) => [entry(t, 'user'), entry(t, 'assistant')]);
    expect(trimWindow(window, 2).map((e) => e.turn)).toEqual([3, 3, 4, 4]);
    expect(trimWindow([], 2)).toEqual([]);
  });

  it('gives the model only answered turns', () => {
    const window = [entry(1, 'user'), entry(1, 'assistant'), entry(2, 'user'), entry(2, 'error'), entry(3, 'user'), entry(3, 'assistant')];
    expect(windowToHistory(window)).toEqual([
      {
        turn: 1,
        messages: [
          { role: 'user', content: 'user 1' },
          { role: 'assistant', content: 'assistant 1' },
        ],
      },
      {
        turn: 3,
        messages: [
          { role: 'user', content: 'user 3' },
          { role: 'assistant', content: 'assistant 3' },
        ],
      },
    ]);
  });

  it('bounds a list', () => {
    const list = [1, 2];
    pushBounded(list, 3, 2);
    expect(list).toEqual([2, 3]);
  });
});

describe('runtime session rotation', () => {
  const limits = { runtimeIdleSeconds: 900, runtimeMaxLifetimeSeconds: 28_800, runtimeRotationMarginSeconds: 60 };
  const start = Date.parse('2026-11-25T00:00:00Z');
  const used = (startedAgo: number, usedAgo: number) => ({
    ...freshRuntimeSession('s', 0),
    startedAt: new Date(start - startedAgo * 1000).toISOString(),
    lastUsedAt: new Date(start - usedAgo * 1000).toISOString(),
    syncedThroughTurn: 3,
  });

  it('keeps a session in use, and never rotates one not used yet', () => {
    expect(rotationDue(used(600, 10), limits, start)).toBeNull();
    expect(rotationDue(freshRuntimeSession('s', 0), limits, start)).toBeNull();
  });

  it('leaves a session a margin before the idle timeout and before the lifetime cap', () => {
    expect(rotationDue(used(1000, 839), limits, start)).toBeNull();
    expect(rotationDue(used(1000, 840), limits, start)).toBe('idle');
    expect(rotationDue(used(28_739, 1), limits, start)).toBeNull();
    expect(rotationDue(used(28_740, 1), limits, start)).toBe('lifetime');
  });

  it('admits a message to a full queue by letting the oldest waiting one give way, never one a caller waits for', () => {
    const queued = (text: string, awaited = false) => ({ text, awaited });
    const limits = { cap: 3, maxChars: 1000, drop: 'old' as const };
    expect(admitToQueue([queued('a'), queued('b')], { text: 'c' }, limits)).toEqual({ admitted: true, dropped: [] });
    expect(admitToQueue([queued('a', true), queued('b'), queued('c')], { text: 'd' }, limits)).toEqual({ admitted: true, dropped: [queued('b')] });
    expect(admitToQueue([queued('a', true), queued('b', true), queued('c', true)], { text: 'd' }, limits)).toMatchObject({
      admitted: false,
      reason: expect.stringMatching(/queue is full/),
    });
    expect(admitToQueue([queued('a'), queued('b'), queued('c')], { text: 'd' }, { ...limits, drop: 'new' })).toMatchObject({ admitted: false });
    // Characters count too: one long newcomer pushes out as many as it needs.
    expect(admitToQueue([queued('x'.repeat(400)), queued('y'.repeat(400))], { text: 'z'.repeat(500) }, limits)).toEqual({
      admitted: true,
      dropped: [queued('x'.repeat(400))],
    });
    expect(droppedNote({ text: `  hello\n  there ${'w'.repeat(300)}`, sender: 'Ada' })).toMatch(/^Ada: hello there w+…$/);
  });

  it('carries at most what fits in a Temporal payload, whatever the conversation held (the limit case)', () => {
    // Three-byte characters, every limit at its configurable maximum.
    const big = (n: number) => '語'.repeat(n);
    const window = Array.from({ length: 1000 }, (_, i) => entry(Math.floor(i / 2) + 1, i % 2 ? 'assistant' : 'user', big(100_000)));
    const queue = [{ messageId: 'q'.repeat(256), text: big(100_000), receivedAt: '2026-01-01T00:00:00Z', awaited: true }];
    const carried = boundForCarrying({
      window,
      queue,
      recentReplies: Array.from({ length: 50 }, (_, i) => ({ messageId: `m${i}`, turn: i, text: big(100_000) })),
      alwaysApproved: Array.from({ length: 500 }, (_, i) => `${i} ${big(20_000)}`),
      seenMessageIds: Array.from({ length: 100_000 }, (_, i) => `${i}${'語'.repeat(80)}`),
    });
    expect(utf8Bytes(JSON.stringify(carried))).toBeLessThanOrEqual(carriedBytes);
    expect(carriedBytes).toBeLessThan(2 * 1024 * 1024);
    // The newest survive; the queue is untouched.
    expect(carried.window.at(-1)!.turn).toBe(500);
    expect(carried.queue).toEqual(queue);
    expect(carried.seenMessageIds.at(-1)).toBe(`99999${'語'.repeat(80)}`);
    expect(utf8Bytes('aé語😀')).toBe(1 + 2 + 3 + 4);
  });
});

describe('the reset policy (session.reset)', () => {
  const daily = { mode: 'daily' as const, atHour: 4, idleMinutes: 0, timeZone: 'Europe/Lisbon' };
  const at = (iso: string) => new Date(iso);

  it('resets at the first message after atHour, in the configured zone', () => {
    // Lisbon is UTC+0 in winter: 03:59 and 04:01 local are either side of the reset.
    expect(resetDue(daily, '2026-11-25T20:00:00Z', '2026-11-26T03:00:00Z', at('2026-11-26T03:59:00Z'))).toBeNull();
    expect(resetDue(daily, '2026-11-25T20:00:00Z', '2026-11-26T03:00:00Z', at('2026-11-26T04:01:00Z'))).toBe('daily');
    // A context started after today's reset lasts until tomorrow's.
    expect(resetDue(daily, '2026-11-26T04:30:00Z', '2026-11-26T23:00:00Z', at('2026-11-27T03:30:00Z'))).toBeNull();
    // New York at 04:00 local is 09:00 UTC.
    expect(resetDue({ ...daily, timeZone: 'America/New_York' }, '2026-11-26T08:00:00Z', '2026-11-26T08:00:00Z', at('2026-11-26T08:59:00Z'))).toBeNull();
    expect(resetDue({ ...daily, timeZone: 'America/New_York' }, '2026-11-26T08:00:00Z', '2026-11-26T08:00:00Z', at('2026-11-26T09:01:00Z'))).toBe('daily');
  });

  it('resets after idle minutes (the first to expire wins with daily), never when off or before any turn', () => {
    const idle = { ...daily, mode: 'idle' as const, idleMinutes: 30 };
    expect(resetDue(idle, '2026-11-26T10:00:00Z', '2026-11-26T10:00:00Z', at('2026-11-26T10:29:00Z'))).toBeNull();
    expect(resetDue(idle, '2026-11-26T10:00:00Z', '2026-11-26T10:00:00Z', at('2026-11-26T10:30:00Z'))).toBe('idle');
    expect(resetDue({ ...daily, idleMinutes: 30 }, '2026-11-26T10:00:00Z', '2026-11-26T10:00:00Z', at('2026-11-26T10:45:00Z'))).toBe('idle');
    expect(resetDue({ ...daily, mode: 'off' }, '2026-11-20T10:00:00Z', '2026-11-20T10:00:00Z', at('2026-11-26T10:45:00Z'))).toBeNull();
    expect(resetDue(idle, '2026-11-20T10:00:00Z', null, at('2026-11-26T10:45:00Z'))).toBeNull();
  });
});
