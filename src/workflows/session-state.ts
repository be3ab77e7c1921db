// Pure helpers for the session workflow's state. Workflow-safe.
import type { ChatMessage } from '../runtime/contract.js';
import type { TranscriptEntry } from './messages.js';

/** Remembers the last `capacity` ids in arrival order. */
export class BoundedIdSet {
  private readonly ids: Set<string>;

  constructor(
    initial: readonly string[],
    private readonly capacity: number,
  ) {
    this.ids = new Set(initial.slice(-capacity));
  }

  has(id: string): boolean {
    return this.ids.has(id);
  }

  add(id: string): void {
    this.ids.add(id);
    while (this.ids.size > this.capacity) {
      const oldest = this.ids.values().next().value as string;
      this.ids.delete(oldest);
    }
  }

  toArray(): string[] {
    return [...this.ids];
  }
}

/** Keeps only the entries of the last `turns` turns. */
export function trimWindow(window: readonly TranscriptEntry[], turns: number): TranscriptEntry[] {
  const last = window.at(-1)?.turn;
  if (last === undefined) return [];
  return window.filter((entry) => entry.turn > last - turns);
}

/** The conversation so far as the model sees it: answered turns only. */
export function windowToHistory(window: readonly TranscriptEntry[]): ChatMessage[] {
  const answered = new Set(window.filter((e) => e.role === 'assistant').map((e) => e.turn));
  return window
    .filter((e): e is TranscriptEntry & { role: 'user' | 'assistant' } => e.role !== 'error' && answered.has(e.turn))
    .map((e) => ({ role: e.role, content: e.text }));
}

/** Appends to a list and drops the oldest items beyond `max`. */
export function pushBounded<T>(list: T[], item: T, max: number): void {
  list.push(item);
  if (list.length > max) list.splice(0, list.length - max);
}
