import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';

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

/** Where the connector keeps its state: pairing, sent parts, the status `clawflow channels status` reads, WhatsApp's login. */
export function connectorFiles(home: string) {
  const dir = join(home, 'connectors');
  return {
    /** Where each channel keeps its own state too (its runtime names the files). */
    dir,
    pairing: join(dir, 'pairing.json'),
    sentLog: join(dir, 'sent.log'),
    previews: join(dir, 'previews.jsonl'),
    status: join(dir, 'status.json'),
    rejected: join(dir, 'rejected.log'),
  };
}

/** Where each running ClawFlow process records itself, so the next start knows whether the last one stopped cleanly. */
export function runDir(paths: Pick<StatePaths, 'home'>): string {
  return join(paths.home, 'run');
}

/** Where each MCP stdio server starts (a folder of its own, outside every workspace). */
export function mcpServersDir(paths: Pick<StatePaths, 'home'>): string {
  return join(paths.home, 'mcp');
}

/** The usage ledger: what each answered turn used, and the budget notices given (src/usage/usage-ledger.ts). */
export function usageLedgerFile(paths: Pick<StatePaths, 'home'>): string {
  return join(paths.home, 'usage', 'ledger.jsonl');
}

/** The approvals audit log: every approval request's end, who decided it and how (clawflow approvals log). */
export function approvalAuditFile(paths: Pick<StatePaths, 'home'>): string {
  return join(paths.home, 'approvals', 'audit.jsonl');
}

/** What no tool may read or write, even inside a workspace configured to include the state dir. */
export function protectedStatePaths(paths: StatePaths): string[] {
  return [
    paths.configFile,
    join(paths.home, 'secrets'),
    join(paths.home, 'connectors'),
    runDir(paths),
    dirname(paths.temporalDb),
    paths.transcriptsDir,
    mcpServersDir(paths),
    dirname(approvalAuditFile(paths)),
    dirname(usageLedgerFile(paths)),
  ];
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
