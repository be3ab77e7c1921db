// What continue-as-new carries from one run to the next, bounded whatever the conversation held. Workflow-safe.
import type { TranscriptEntry } from '../../contracts/session-records.js';

/** Appends to a list and drops the oldest items beyond `max`. */
export function pushBounded<T>(list: T[], item: T, max: number): void {
  list.push(item);
  if (list.length > max) list.splice(0, list.length - max);
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
