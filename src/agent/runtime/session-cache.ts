import type { HistoryTurn } from '../../contracts/agent-runtime.js';

/** What a runtime session remembers of its conversation between invocations. */
export interface SessionContext {
  systemPrompt: string | null;
  summary: string | null;
  keepTurns: number;
  turns: HistoryTurn[];
  /** The last answered turn this context includes (0: none yet). */
  throughTurn: number;
}

/**
 * The conversation context of recent runtime sessions, in memory. A cache, never the truth: on AgentCore every
 * session has its own microVM and loses it on termination; the session workflow holds the truth and resends it.
 */
export class SessionContextCache {
  private readonly sessions = new Map<string, SessionContext>();

  constructor(private readonly maxSessions = 256) {}

  /** Replaces what is known of a session with a full context. */
  load(sessionId: string, context: Omit<SessionContext, 'throughTurn'>): SessionContext {
    const loaded = { ...context, turns: [...context.turns], throughTurn: context.turns.at(-1)?.turn ?? 0 };
    this.remember(sessionId, loaded);
    return loaded;
  }

  /**
   * The context through `throughTurn`, or null when this runtime does not hold it (a fresh or replaced session).
   * Turns after `throughTurn` are forgotten: they belong to an attempt whose answer never reached the caller.
   */
  resume(sessionId: string, throughTurn: number): SessionContext | null {
    const context = this.sessions.get(sessionId);
    if (!context || context.throughTurn < throughTurn) return null;
    context.turns = context.turns.filter((t) => t.turn <= throughTurn);
    context.throughTurn = throughTurn;
    this.remember(sessionId, context);
    return context;
  }

  /** Adds an answered turn and keeps the window the caller asked for. */
  record(sessionId: string, turn: HistoryTurn): void {
    const context = this.sessions.get(sessionId);
    if (!context) return;
    context.turns = [...context.turns.filter((t) => t.turn < turn.turn), turn].filter((t) => t.turn > turn.turn - context.keepTurns);
    context.throughTurn = turn.turn;
  }

  private remember(sessionId: string, context: SessionContext): void {
    this.sessions.delete(sessionId);
    this.sessions.set(sessionId, context);
    while (this.sessions.size > this.maxSessions) this.sessions.delete(this.sessions.keys().next().value as string);
  }
}
