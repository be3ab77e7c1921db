import type { SessionStatus } from '../workflows/messages.js';
import type { TranscriptEntry } from '../contracts/session-records.js';

export interface SessionView {
  sessionKey: string;
  /** Null when the session is not running (never started, or ended). */
  status: SessionStatus | null;
  transcript: TranscriptEntry[];
}

/**
 * A session as `clawflow sessions show` presents it: the transcript store, completed with the turns the workflow has
 * answered but not yet written (the reply goes out before the transcript is appended). Null if there is no such session.
 */
export function sessionView(sessionKey: string, stored: TranscriptEntry[] | null, status: SessionStatus | null, window: TranscriptEntry[]): SessionView | null {
  if (!stored && !status) return null;
  const transcript = stored ?? [];
  const lastStored = transcript.at(-1)?.turn ?? 0;
  return { sessionKey, status, transcript: [...transcript, ...window.filter((e) => e.turn > lastStored)] };
}
