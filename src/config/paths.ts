import { homedir } from 'node:os';
import { join, resolve } from 'node:path';

/** Where everything ClawFlow keeps for one user lives. */
export interface StatePaths {
  home: string;
  configFile: string;
  temporalDb: string;
  temporalPidFile: string;
  transcriptsDir: string;
  /** Per-machine cache shared by every state dir (the Temporal CLI, the workflow bundle). */
  cacheDir: string;
}

export function statePaths(env: NodeJS.ProcessEnv = process.env): StatePaths {
  const home = resolve(env.CLAWFLOW_HOME ?? join(homedir(), '.clawflow'));
  const cacheRoot = env.XDG_CACHE_HOME ?? join(homedir(), '.cache');
  return {
    home,
    configFile: join(home, 'clawflow.json'),
    temporalDb: join(home, 'temporal', 'temporal.sqlite'),
    temporalPidFile: join(home, 'temporal', 'server.pid'),
    transcriptsDir: join(home, 'agents'),
    cacheDir: resolve(env.CLAWFLOW_CACHE_DIR ?? join(cacheRoot, 'clawflow')),
  };
}
