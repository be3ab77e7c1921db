import { totalmem } from 'node:os';

/**
 * What one session kept in a sessions worker's memory costs, in MB of the process's resident memory: 0.63 measured
 * with `npm run bench:load -- --sessions 400 --env CLAWFLOW_SESSION_MAX_CACHED=400` (265 → 517 MB), rounded down a
 * little (part of that growth is not the cache's).
 */
export const cachedSessionMb = 0.6;

/** The memory the sessions worker keeps sessions in when none is configured: 5 % of this machine's, 64 to 128 MB. */
export function defaultSessionCacheMb(machineBytes = totalmem()): number {
  return Math.round(Math.min(128, Math.max(64, (machineBytes / 2 ** 20) * 0.05)));
}

/** How many sessions a sessions worker keeps in memory: `session.maxCached` when set, else what `cacheMemoryMb` holds. */
export function sessionCacheSize(session: { maxCached?: number | undefined; cacheMemoryMb: number }): number {
  return session.maxCached ?? Math.floor(session.cacheMemoryMb / cachedSessionMb);
}
