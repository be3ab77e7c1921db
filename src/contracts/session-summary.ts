/** A session as lists show it (`clawflow sessions list`, the console): who, where, how it is doing. */
export interface SessionSummary {
  sessionKey: string;
  agent: string;
  channel: string;
  peer: string;
  lastActivity: string | null;
  turns: number;
  /** idle / running / awaiting-approval for a live session, `stuck` when its workflow task keeps failing; the execution status (failed, terminated…) otherwise. */
  status: string;
  /** Why a stuck session is stuck (and `clawflow sessions repair` moves it onto today's code). */
  problem?: string;
}
