// Pure helpers for the session workflow's state. Workflow-safe.
import type { HistoryTurn } from '../contracts/agent-runtime.js';
import type { RuntimeSessionState } from './messages.js';
import type { RotationReason, TranscriptEntry } from '../contracts/session-records.js';

/** Keeps only the entries of the last `turns` turns. */
export function trimWindow(window: readonly TranscriptEntry[], turns: number): TranscriptEntry[] {
  const last = window.at(-1)?.turn;
  if (last === undefined) return [];
  return window.filter((entry) => entry.turn > last - turns);
}

/** The conversation so far as the model sees it: answered turns only, oldest first. */
export function windowToHistory(window: readonly TranscriptEntry[]): HistoryTurn[] {
  const answered = new Set(window.filter((e) => e.role === 'assistant').map((e) => e.turn));
  const turns: HistoryTurn[] = [];
  for (const entry of window) {
    if (entry.role === 'error' || !answered.has(entry.turn)) continue;
    const message = { role: entry.role, content: entry.text };
    const last = turns.at(-1);
    if (last?.turn === entry.turn) last.messages.push(message);
    else turns.push({ turn: entry.turn, messages: [message] });
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
