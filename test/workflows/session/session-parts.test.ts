import { describe, expect, it } from 'vitest';
import type { TranscriptEntry } from '../../../src/contracts/session-records.js';
import type { SessionSettings } from '../../../src/workflows/messages.js';
import { ConversationContext } from '../../../src/workflows/session/context-window.js';
import { DescribedWorkspace } from '../../../src/workflows/session/described-workspace.js';
import { MessageQueue } from '../../../src/workflows/session/message-queue.js';
import { freshRuntimeSession, HeldRuntimeSession } from '../../../src/workflows/session/runtime-session.js';

const entry = (turn: number, role: TranscriptEntry['role'], text = `${role} ${turn}`): TranscriptEntry => ({ turn, role, text, at: '2026-01-01T00:00:00Z' });
const settings = { dedupeWindow: 100, queueCap: 2, queueMaxChars: 1_000, queueDrop: 'summarize', queueDebounceMs: 0 } as SessionSettings;
const message = (messageId: string, text = messageId) => ({ messageId, text });

describe('the parts a session owns', () => {
  it('the queue takes a message once, and a full queue lets the oldest unawaited message give way (noted for the next turn)', () => {
    const queue = new MessageQueue(undefined, settings, true);
    expect(queue.admit(message('a'), false, false)).toEqual({ outcome: 'queued', gaveWay: [] });
    expect(queue.admit(message('a'), true, false)).toEqual({ outcome: 'duplicate' });
    expect(queue.someoneWaits()).toBe(true); // the redelivery's caller now waits for the queued one
    expect(queue.admit(message('b'), false, false).outcome).toBe('queued');
    const third = queue.admit(message('c', 'the third message'), false, false);
    // 'a' is awaited: 'b' gives way instead
    expect(third.outcome === 'queued' && third.gaveWay.map((m) => m.messageId)).toEqual(['b']);
    expect(queue.items.map((m) => m.messageId)).toEqual(['a', 'c']);
    expect(queue.takeDropped()).toEqual(['b']);
    expect(queue.takeDropped()).toEqual([]);
    // A message given way is still seen: its redelivery is a duplicate, not a newcomer.
    expect(queue.admit(message('b'), false, false)).toEqual({ outcome: 'duplicate' });
  });

  it('the queue refuses a newcomer when every waiting message is awaited, and carries what it holds', () => {
    const queue = new MessageQueue(undefined, settings, true);
    queue.admit(message('a'), true, false);
    queue.admit(message('b'), true, false);
    expect(queue.admit(message('c'), false, false)).toMatchObject({ outcome: 'full' });
    const carried = queue.carried();
    expect(carried.queue.map((m) => m.messageId)).toEqual(['a', 'b']);
    const next = new MessageQueue(carried, settings, true);
    expect(next.hasSeen('a') && next.has('b') && !next.hasSeen('c')).toBe(true);
  });

  it('the context trims to its turns, folds into a summary, and clears on a fresh start', () => {
    const context = new ConversationContext(undefined, '2026-01-01T00:00:00Z', 2);
    for (const turn of [1, 2, 3]) context.add([entry(turn, 'user'), entry(turn, 'assistant')]);
    expect(context.window.map((e) => e.turn)).toEqual([2, 2, 3, 3]);
    context.folded('they said hello', 2, 3);
    expect(context.summary).toEqual({ text: 'they said hello', throughTurn: 2, compactions: 1 });
    expect(context.window.map((e) => e.turn)).toEqual([3, 3]);
    context.clear(false, undefined);
    expect(context.window).toEqual([]);
    expect(context.summary?.compactions).toBe(1);
    context.clear(true, '2026-01-02T00:00:00Z');
    expect([context.summary, context.startedAt]).toEqual([undefined, '2026-01-02T00:00:00Z']);
    expect([context.firstBudgetWarning(), context.firstBudgetWarning()]).toEqual([true, false]);
  });

  it('the held runtime session changes only by replacing its state, so a state handed out earlier stays as it was', () => {
    const held = new HeldRuntimeSession(freshRuntimeSession('one', 0));
    held.start('2026-01-01T00:00:00Z');
    held.start('2026-01-01T01:00:00Z'); // already started: its lifetime keeps running from the first
    held.used('2026-01-01T00:05:00Z', 4);
    const before = held.state;
    held.stale();
    expect(before.syncedThroughTurn).toBe(4);
    expect(held.syncedThroughTurn).toBe(null);
    const left = held.replace('two');
    expect(left).toMatchObject({ id: 'one', startedAt: '2026-01-01T00:00:00Z' });
    expect(held.state).toEqual({ id: 'two', startedAt: null, lastUsedAt: null, syncedThroughTurn: null, rotations: 1 });
  });

  it('the workspace is described once, again after a change, and says when its system prompt changed', () => {
    const workspace = new DescribedWorkspace();
    expect(workspace.needed()).toBe(true);
    expect(workspace.described({ systemPrompt: 'a', tools: [] })).toBe(false);
    expect(workspace.needed()).toBe(false);
    workspace.touched();
    expect(workspace.described({ systemPrompt: 'b', tools: [] })).toBe(true);
    expect(workspace.described(null)).toBe(false);
    expect(workspace.needed()).toBe(true);
  });
});
