import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { cachedSessionMb, defaultSessionCacheMb, sessionCacheSize } from '../../src/config/session-cache.js';

const gb = 2 ** 30;

describe('how many sessions a sessions worker keeps in memory', () => {
  it('by default, as many as 5 % of the machine holds, within 32 and 64 MB: enough for 50 conversations at once anywhere', () => {
    expect(defaultSessionCacheMb(0.5 * gb)).toBe(32);
    expect(defaultSessionCacheMb(1 * gb)).toBe(51);
    expect(defaultSessionCacheMb(24 * gb)).toBe(64);
    expect(sessionCacheSize({ cacheMemoryMb: defaultSessionCacheMb(0.5 * gb) })).toBeGreaterThanOrEqual(100);
    expect(sessionCacheSize({ cacheMemoryMb: 64 })).toBe(Math.floor(64 / cachedSessionMb));
  });

  it('a count set with session.maxCached wins, 0 included; the memory budget comes from the configuration or its variable', () => {
    expect(sessionCacheSize({ maxCached: 0, cacheMemoryMb: 256 })).toBe(0);
    expect(sessionCacheSize({ maxCached: 7, cacheMemoryMb: 256 })).toBe(7);
    const config = loadConfig({ CLAWFLOW_HOME: '/nonexistent-clawflow-home', CLAWFLOW_SESSION_CACHE_MEMORY_MB: '100' });
    expect(sessionCacheSize(config.session)).toBe(333);
    expect(loadConfig({ CLAWFLOW_HOME: '/nonexistent-clawflow-home' }).session.cacheMemoryMb).toBe(defaultSessionCacheMb());
  });
});
