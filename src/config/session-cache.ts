import { totalmem } from 'node:os';

/**
 * What one session kept in a sessions worker's memory costs, in MB of the process's resident memory: 0.30 measured
 * with `npm run bench:load -- --sessions 400 --env CLAWFLOW_SESSION_MAX_CACHED=400` against `=25` (2026-12-07, with
 * memory.heapGrowthPercent's default: 480–484 against 366–372 MB for 375 sessions more). Before the heap was held
 * near its live size it was 0.63: half of that was the collector's slack, not the sessions.
 */
export const cachedSessionMb = 0.3;

/** The memory the sessions worker keeps sessions in when none is configured: 5 % of this machine's, 32 to 64 MB. */
export function defaultSessionCacheMb(machineBytes = totalmem()): number {
  return Math.round(Math.min(64, Math.max(32, (machineBytes / 2 ** 20) * 0.05)));
}

/** How many sessions a sessions worker keeps in memory: `session.maxCached` when set, else what `cacheMemoryMb` holds. */
export function sessionCacheSize(session: { maxCached?: number | undefined; cacheMemoryMb: number }): number {
  return session.maxCached ?? Math.floor(session.cacheMemoryMb / cachedSessionMb);
}
