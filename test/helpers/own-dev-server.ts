import { join } from 'node:path';
import { inject } from 'vitest';
import type { DevServerOptions } from '../../src/temporal/dev-server.js';
import { freePort } from './ports.js';

/**
 * A Temporal dev server of a test's own, in `dir`, on free ports: for tests that stop and restart the server, which
 * must not take the shared one down with them.
 */
export async function ownDevServerOptions(dir: string): Promise<DevServerOptions> {
  return {
    cli: inject('temporalCli'),
    dbFile: join(dir, 'temporal.sqlite'),
    ip: '127.0.0.1',
    port: await freePort(),
    httpPort: await freePort(),
    logFile: join(dir, 'server.log'),
    pidFile: join(dir, 'server.pid'),
  };
}
