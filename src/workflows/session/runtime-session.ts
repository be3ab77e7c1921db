// The runtime session that holds a conversation (an AgentCore microVM, or the local container): its limits and rotation. Workflow-safe.
import type { RotationReason } from '../../contracts/session-records.js';
import type { RuntimeSessionState } from '../messages.js';

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

/**
 * The runtime session a conversation is held in, changed only here: replaced (a rotation, a fresh start), started,
 * used, or marked stale so that its next invocation carries the full context. Each change makes a new state object.
 */
export class HeldRuntimeSession {
  #state: RuntimeSessionState;

  constructor(state: RuntimeSessionState) {
    this.#state = state;
  }

  get state(): Readonly<RuntimeSessionState> {
    return this.#state;
  }

  get id(): string {
    return this.#state.id;
  }

  get rotations(): number {
    return this.#state.rotations;
  }

  /** The turn through which it holds the conversation; null: it must be sent the full context. */
  get syncedThroughTurn(): number | null {
    return this.#state.syncedThroughTurn;
  }

  get startedAt(): string | null {
    return this.#state.startedAt;
  }

  /** A fresh one (id made by the caller, in workflow code a uuid4) takes its place; the one left is returned. */
  replace(id: string): RuntimeSessionState {
    const left = this.#state;
    this.#state = freshRuntimeSession(id, left.rotations + 1);
    return left;
  }

  /** Its lifetime runs from now: at its first invocation, or at every full-context invocation when `restart`. */
  start(at: string, restart = false): void {
    if (!this.#state.startedAt || restart) this.#state = { ...this.#state, startedAt: at };
  }

  /** Used at `at`; it now holds the conversation through `syncedThroughTurn` (null: send it everything next time). */
  used(at: string, syncedThroughTurn: number | null): void {
    this.#state = { ...this.#state, lastUsedAt: at, syncedThroughTurn };
  }

  /** What it holds is out of date (a changed system prompt): its next invocation carries the full context. */
  stale(): void {
    this.#state = { ...this.#state, syncedThroughTurn: null };
  }
}
