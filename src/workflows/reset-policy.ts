// Workflow-safe: when a conversation starts afresh on its own (OpenClaw's session.reset).

export interface ResetPolicy {
  /** `off`: never; `daily`: at the first message after `atHour` each day (and after `idleMinutes` idle, if set); `idle`: after `idleMinutes` without a turn. */
  mode: 'off' | 'daily' | 'idle';
  atHour: number;
  /** 0: no idle expiry. */
  idleMinutes: number;
  timeZone: string;
}

/** One date formatter per time zone: building one costs more than the rest of a turn's checks together. */
const dayFormats = new Map<string, Intl.DateTimeFormat>();

/** The local day an instant belongs to when days turn at `atHour` (a daily reset's period). */
function resetDay(instant: Date, atHour: number, timeZone: string): string {
  const shifted = new Date(instant.getTime() - atHour * 3_600_000);
  let format = dayFormats.get(timeZone);
  if (!format) dayFormats.set(timeZone, (format = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' })));
  return format.format(shifted);
}

/**
 * Why a conversation whose context started at `contextStartedAt` and last had a turn at `lastActivity` starts afresh
 * for a message at `now`, or null. Checked when a message comes, not by a timer (as OpenClaw); with `daily` and
 * `idleMinutes` both, the first to expire wins.
 */
export function resetDue(policy: ResetPolicy, contextStartedAt: string, lastActivity: string | null, now: Date): 'daily' | 'idle' | null {
  if (policy.mode === 'off' || lastActivity === null) return null;
  if (policy.idleMinutes > 0 && now.getTime() - Date.parse(lastActivity) >= policy.idleMinutes * 60_000) return 'idle';
  if (policy.mode === 'daily' && resetDay(new Date(contextStartedAt), policy.atHour, policy.timeZone) !== resetDay(now, policy.atHour, policy.timeZone))
    return 'daily';
  return null;
}
