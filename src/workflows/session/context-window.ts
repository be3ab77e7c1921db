// The conversation's context as the model sees it: the window of recent turns and the summary of older ones. Workflow-safe.
import type { ChatMessage, HistoryTurn } from '../../contracts/agent-runtime.js';
import { stepMessages } from '../../contracts/tool-pruning.js';
import type { TranscriptEntry } from '../../contracts/session-records.js';

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

/**
 * What the model is given of the conversation: the window of recent turns word for word, the summary of older ones,
 * and when this context started (the session's start, or its last reset). Compaction, a reset and each turn change it.
 */
export class ConversationContext {
  #window: TranscriptEntry[];
  #summary: ConversationSummary | undefined;
  #startedAt: string;
  /** This run has warned that the system prompt and tools leave compaction no room (once a run is enough). */
  #budgetWarned = false;

  constructor(
    carried: { window?: TranscriptEntry[]; summary?: ConversationSummary | null | undefined; contextStartedAt?: string | undefined } | undefined,
    createdAt: string,
    private readonly historyTurns: number,
  ) {
    this.#window = carried?.window ?? [];
    this.#summary = carried?.summary ?? undefined;
    this.#startedAt = carried?.contextStartedAt ?? createdAt;
  }

  get window(): readonly TranscriptEntry[] {
    return this.#window;
  }

  get summary(): Readonly<ConversationSummary> | undefined {
    return this.#summary;
  }

  get startedAt(): string {
    return this.#startedAt;
  }

  /** A session started afresh takes its context from the transcript (with the latest summary, when it keeps summaries). */
  resumeFrom(entries: readonly TranscriptEntry[], withSummary: boolean): void {
    if (withSummary) {
      const context = contextFromTranscript(entries, this.historyTurns);
      this.#window = context.window;
      this.#summary = context.summary;
    } else {
      // Nothing from before a /new: the conversation started afresh there.
      const since = entries.map((e) => e.reset === true).lastIndexOf(true);
      this.#window = trimWindow(entries.slice(since + 1), this.historyTurns);
    }
  }

  /**
   * A turn's entries join the window. With compaction, turns leave the window into the summary before it is full;
   * this cut only bounds the context when no summary could be made (the model down).
   */
  add(entries: readonly TranscriptEntry[]): void {
    this.#window = trimWindow([...this.#window, ...entries], this.historyTurns);
  }

  /** Compaction folded the turns before `firstKept` into `summary`. */
  folded(summary: string, throughTurn: number, firstKept: number): void {
    this.#summary = { text: summary, throughTurn, compactions: (this.#summary?.compactions ?? 0) + 1 };
    this.#window = this.#window.filter((e) => e.turn >= firstKept);
  }

  /** A fresh start: no window; the summary too when `dropSummary`; the context's clock restarts at `at` when given. */
  clear(dropSummary: boolean, at: string | undefined): void {
    this.#window = [];
    if (dropSummary) this.#summary = undefined;
    if (at) this.#startedAt = at;
  }

  /** The first time this run finds the system prompt and tools nearly filling the budget (true once a run). */
  firstBudgetWarning(): boolean {
    if (this.#budgetWarned) return false;
    this.#budgetWarned = true;
    return true;
  }
}
