// What a session's queue takes in when it is full, and what gives way. Workflow-safe.

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
