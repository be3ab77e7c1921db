// Pure helpers for the session workflow's state. Workflow-safe.
import type { ChatMessage, HistoryTurn } from '../contracts/agent-runtime.js';
import { stepMessages } from '../contracts/tool-pruning.js';
import type { RuntimeSessionState } from './messages.js';
import type { RotationReason, TranscriptEntry } from '../contracts/session-records.js';

/** Keeps only the entries of the last `turns` turns (counted, not by number: a compaction's summary takes a number). */
export function trimWindow(window: readonly TranscriptEntry[], turns: number): TranscriptEntry[] {
  const kept = [...new Set(window.map((entry) => entry.turn))].slice(-turns);
  if (kept.length === 0) return [];
  return window.filter((entry) => entry.turn >= kept[0]!);
}

/** What older turns left in the context: the model's summary of them, through which turn, after how many compactions. */
export interface ConversationSummary {
  text: string;
  throughTurn: number;
  compactions: number;
}

/**
 * The context a transcript leaves (a session started afresh, a repaired one): since the last /new, the latest summary
 * and the turns after it, at most `turns` of them.
 */
export function contextFromTranscript(
  entries: readonly TranscriptEntry[],
  turns: number,
): { window: TranscriptEntry[]; summary: ConversationSummary | undefined } {
  const current = entries.slice(entries.map((e) => e.reset === true).lastIndexOf(true) + 1);
  const summaries = current.filter((e) => e.role === 'summary');
  const latest = summaries.at(-1);
  const summary = latest ? { text: latest.text, throughTurn: latest.throughTurn ?? latest.turn, compactions: summaries.length } : undefined;
  const after = current.filter((e) => e.role !== 'summary' && e.turn > (summary?.throughTurn ?? 0));
  return { window: trimWindow(after, turns), summary };
}

/** The conversation so far as the model sees it: answered turns only, oldest first. */
export function windowToHistory(window: readonly TranscriptEntry[]): HistoryTurn[] {
  const answered = new Set(window.filter((e) => e.role === 'assistant').map((e) => e.turn));
  const turns: HistoryTurn[] = [];
  for (const entry of window) {
    if ((entry.role !== 'user' && entry.role !== 'assistant') || !answered.has(entry.turn)) continue;
    // An answer comes after the tool calls that led to it (pruned).
    const messages: ChatMessage[] = [...stepMessages(entry.steps ?? []), { role: entry.role, content: entry.text }];
    const last = turns.at(-1);
    if (last?.turn === entry.turn) last.messages.push(...messages);
    else turns.push({ turn: entry.turn, messages });
  }
  return turns;
}

/** Appends to a list and drops the oldest items beyond `max`. */
export function pushBounded<T>(list: T[], item: T, max: number): void {
  list.push(item);
  if (list.length > max) list.splice(0, list.length - max);
}

/** The limits a runtime session lives under (AgentCore: 15 minutes idle, 8 hours in all), and how early to leave. */
export interface RuntimeLimits {
  runtimeIdleSeconds: number;
  runtimeMaxLifetimeSeconds: number;
  runtimeRotationMarginSeconds: number;
}

/** Why the runtime session must be replaced before the next invocation, or null while it can still be used. */
export function rotationDue(runtime: RuntimeSessionState, limits: RuntimeLimits, nowMs: number): Exclude<RotationReason, 'lost'> | null {
  if (runtime.syncedThroughTurn === null || runtime.startedAt === null) return null;
  const margin = limits.runtimeRotationMarginSeconds * 1000;
  if (nowMs - Date.parse(runtime.startedAt) >= limits.runtimeMaxLifetimeSeconds * 1000 - margin) return 'lifetime';
  const lastUsed = Date.parse(runtime.lastUsedAt ?? runtime.startedAt);
  if (nowMs - lastUsed >= limits.runtimeIdleSeconds * 1000 - margin) return 'idle';
  return null;
}

/** A runtime session not used yet: its first invocation carries the full context. */
export function freshRuntimeSession(id: string, rotations: number): RuntimeSessionState {
  return { id, startedAt: null, lastUsedAt: null, syncedThroughTurn: null, rotations };
}

/** What a session's queue holds at most, and what gives way when it is full (OpenClaw's messages.queue cap and drop). */
export interface QueueLimits {
  cap: number;
  /** Characters of all queued texts together: the queue travels in continue-as-new, which Temporal caps at 2 MB. */
  maxChars: number;
  /** `old`: the oldest waiting message gives way; `new`: the newcomer is refused; `summarize`: the oldest gives way, and the next turn is told what it said. */
  drop: 'old' | 'new' | 'summarize';
}

export type Admission<T> = { admitted: true; dropped: T[] } | { admitted: false; reason: string };

/**
 * Whether a new message fits in the queue, and which waiting ones give way for it. A message a caller waits for
 * (`send`) never gives way: it is answered or the newcomer is refused.
 */
export function admitToQueue<T extends { text: string; awaited: boolean }>(queue: readonly T[], incoming: { text: string }, limits: QueueLimits): Admission<T> {
  const chars = (items: readonly { text: string }[]): number => items.reduce((sum, m) => sum + m.text.length, 0);
  const fits = (kept: readonly T[]): boolean => kept.length < limits.cap && chars(kept) + incoming.text.length <= limits.maxChars;
  if (fits(queue)) return { admitted: true, dropped: [] };
  const full = `the queue is full (${queue.length} messages waiting; messages.queue.cap ${limits.cap})`;
  if (limits.drop === 'new') return { admitted: false, reason: full };
  const kept = [...queue];
  const dropped: T[] = [];
  while (!fits(kept)) {
    const oldest = kept.findIndex((m) => !m.awaited);
    if (oldest === -1) return { admitted: false, reason: full };
    dropped.push(...kept.splice(oldest, 1));
  }
  return { admitted: true, dropped };
}

/** A line the next turn gets about a message that gave way (summarize): who, and how it began. */
export function droppedNote(message: { text: string; sender?: string | undefined }): string {
  const start = message.text.replace(/\s+/g, ' ').trim();
  return `${message.sender ? `${message.sender}: ` : ''}${start.length > 160 ? `${start.slice(0, 160)}…` : start}`;
}

/** How much of each text continue-as-new carries: the transcript store has the rest. */
export const carriedTextChars = 8_000;
const carriedRepliesKept = 20;
const carriedApprovalsKept = 50;
/** What continue-as-new may carry in all, well under Temporal's 2 MB per payload. */
export const carriedBytes = 1_500_000;

function cut(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max)}\n[… ${text.length - max} more characters in the transcript]` : text;
}

/** Bytes of a string in UTF-8, as Temporal counts a JSON payload. */
export function utf8Bytes(text: string): number {
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x80) bytes += 1;
    else if (code < 0x800) bytes += 2;
    else if (code >= 0xd800 && code <= 0xdbff) {
      bytes += 4;
      i += 1;
    } else bytes += 3;
  }
  return bytes;
}

interface Carriable {
  window: TranscriptEntry[];
  recentReplies: Array<{ text: string }>;
  alwaysApproved: string[];
  seenMessageIds: string[];
}

/**
 * What continue-as-new carries, bounded by construction whatever the conversation held: long texts are cut (the
 * transcript store keeps them whole), then, while the whole is over `carriedBytes`, the oldest remembered message ids,
 * recent replies, "always" approvals and turns of the window give way, in that order. Waiting messages are never cut:
 * the queue is bounded when they arrive (admitToQueue).
 */
export function boundForCarrying<S extends Carriable>(state: S): S {
  const bounded: S = {
    ...state,
    window: state.window.map((entry) => (entry.text.length > carriedTextChars ? { ...entry, text: cut(entry.text, carriedTextChars) } : entry)),
    recentReplies: state.recentReplies
      .slice(-carriedRepliesKept)
      .map((reply) => (reply.text.length > carriedTextChars ? { ...reply, text: cut(reply.text, carriedTextChars) } : reply)),
    alwaysApproved: state.alwaysApproved.slice(-carriedApprovalsKept).map((subject) => cut(subject, 2_000)),
  };
  // Sizes are counted once per item; the oldest items go until the whole fits.
  const sizeOf = (value: unknown): number => utf8Bytes(JSON.stringify(value)) + 1;
  let total = utf8Bytes(JSON.stringify(bounded));
  const dropOldest = <T>(items: T[], keep: number, unit: (items: T[]) => number): void => {
    while (total > carriedBytes && items.length > keep) {
      const count = unit(items);
      for (const item of items.splice(0, count)) total -= sizeOf(item);
    }
  };
  // Least missed first: old message ids, old replies, old approvals; the conversation's context last (a turn at a time).
  dropOldest(bounded.seenMessageIds, 100, (ids) => Math.max(1, Math.ceil(ids.length / 8)));
  dropOldest(bounded.recentReplies, 1, () => 1);
  dropOldest(bounded.alwaysApproved, 0, () => 1);
  dropOldest(bounded.window, 2, (entries) => entries.filter((e) => e.turn === entries[0]!.turn).length);
  return bounded;
}
