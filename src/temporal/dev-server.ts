import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import { searchAttributeRegistrations } from '../contracts/search-attribute-names.js';
import type { TemporalCli } from './cli-binary.js';
import { waitForTemporal } from './connection.js';
import { devServerHttpLock } from './http-api.js';

const devServerDynamicConfig = [
  'history.transferProcessorMaxPollRPS=10000',
  'history.timerProcessorMaxPollRPS=10000',
  'history.visibilityProcessorMaxPollRPS=10000',
  // No web page can drive the HTTP API: it answers only a Host name browsers never send.
  devServerHttpLock,
];

/**
 * Write-ahead logging instead of SQLite's rollback journal: one fsync per commit instead of several, still durable
 * on power loss (synchronous stays FULL). Measured: 70 → 56 ms added per turn.
 */
const devServerSqlitePragmas = ['journal_mode=wal'];

/** Flags both ways of running the dev server share. */
const devServerTuning = [
  ...devServerDynamicConfig.flatMap((value) => ['--dynamic-config-value', value]),
  ...devServerSqlitePragmas.flatMap((pragma) => ['--sqlite-pragma', pragma]),
];

export interface DevServerOptions {
  cli: TemporalCli;
  dbFile: string;
  ip: string;
  port: number;
  /** Port of its HTTP API (locked to devServerHttpHost): the CLI's read commands and ClawFlow's Web UI use it. */
  httpPort: number;
  /** Namespaces created at launch besides `default`. */
  namespaces?: string[];
  /** Where the server's own log goes; a pid file is kept beside it. */
  logFile: string;
  pidFile: string;
  readyTimeoutMs?: number;
}

export interface DevServer {
  address: string;
  stop(): Promise<void>;
}

/** Refuses at once a port something else holds, saying which setting moves it (`fix`). */
async function assertPortFree(ip: string, port: number, what: string, fix?: string): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const probe = createServer();
    probe.once('error', (error: NodeJS.ErrnoException) =>
      reject(
        new Error(
          error.code === 'EADDRINUSE'
            ? `${what} port ${ip}:${port} is already in use. ${fix ?? `If a Temporal server runs there, use it with TEMPORAL_ADDRESS=${ip}:${port}; otherwise choose another port in the config.`}`
            : `cannot bind ${what} port ${ip}:${port}: ${error.message}`,
        ),
      ),
    );
    probe.listen(port, ip, () => probe.close(() => resolve()));
  });
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** A dev server left behind by a `clawflow start` that was killed outright holds our SQLite file: stop it. */
export async function stopLeftoverServer(pidFile: string, dbFile: string): Promise<void> {
  if (!existsSync(pidFile)) return;
  const pid = Number(readFileSync(pidFile, 'utf8').trim());
  rmSync(pidFile, { force: true });
  if (!Number.isInteger(pid) || pid <= 0 || !isAlive(pid)) return;
  let cmdline = '';
  try {
    cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
  } catch {
    return; // cannot tell what that process is: leave it alone
  }
  if (!cmdline.includes('start-dev') || !cmdline.includes(dbFile)) return;
  process.kill(pid, 'SIGTERM');
  for (let i = 0; i < 100 && isAlive(pid); i += 1) await new Promise((r) => setTimeout(r, 100));
  if (isAlive(pid)) process.kill(pid, 'SIGKILL');
}

async function waitForExit(child: ChildProcess, timeoutMs: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  await new Promise<void>((resolve) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
    }, timeoutMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

/**
 * Starts `temporal server start-dev` on a SQLite file, with ClawFlow's search attributes, and waits until it serves.
 * Headless: its own Web UI answers any Host and any page (DNS rebinding), so ClawFlow serves the UI itself (web-ui.ts).
 */
export async function startDevServer(options: DevServerOptions): Promise<DevServer> {
  const { cli, dbFile, ip, port, httpPort } = options;
  const address = `${ip}:${port}`;
  mkdirSync(dirname(dbFile), { recursive: true });
  await stopLeftoverServer(options.pidFile, dbFile);
  await assertPortFree(ip, port, 'Temporal gRPC');
  await assertPortFree(ip, httpPort, 'Temporal HTTP API', 'Choose another one: temporal.httpPort in the config, or CLAWFLOW_TEMPORAL_HTTP_PORT.');
  const readyTimeoutMs = options.readyTimeoutMs ?? 60_000;

  if (cli.kind === 'download') {
    // Loaded only here: the SDK's test environment is a third of a second of every start.
    const { TestWorkflowEnvironment } = await import('@temporalio/testing');
    const env = await TestWorkflowEnvironment.createLocal({
      server: {
        executable: { type: 'cached-download', downloadDir: cli.downloadDir },
        dbFilename: dbFile,
        ip,
        port,
        ui: false,
        searchAttributes: searchAttributeRegistrations.map(({ name, type }) =>
          defineSearchAttributeKey(name, { Keyword: SearchAttributeType.KEYWORD, Int: SearchAttributeType.INT, Datetime: SearchAttributeType.DATETIME }[type]),
        ),
        extraArgs: ['--http-port', String(httpPort), ...devServerTuning, ...(options.namespaces ?? []).flatMap((ns) => ['--namespace', ns])],
      },
    });
    return { address, stop: () => env.teardown() };
  }

  const args = [
    'server',
    'start-dev',
    '--ip',
    ip,
    '--port',
    String(port),
    '--headless',
    '--http-port',
    String(httpPort),
    '--db-filename',
    dbFile,
    '--log-level',
    'warn',
    // The history service polls its task queues at most 20 times a second by default, which adds ~50 ms to every
    // step of a turn (measured: 200 ms → 60 ms per turn). A personal server has no reason to throttle itself.
    ...devServerTuning,
    ...searchAttributeRegistrations.flatMap((sa) => ['--search-attribute', `${sa.name}=${sa.type}`]),
    ...(options.namespaces ?? []).flatMap((ns) => ['--namespace', ns]),
  ];
  mkdirSync(dirname(options.logFile), { recursive: true });
  const log = openSync(options.logFile, 'a');
  // Its own process group: Ctrl-C in the terminal reaches us, and we stop the server in order.
  const child = spawn(cli.path, args, { stdio: ['ignore', log, log], detached: true });
  closeSync(log);
  const spawnError = new Promise<never>((_, reject) => child.once('error', (error) => reject(new Error(`cannot run ${cli.path}: ${error.message}`))));
  if (child.pid) writeFileSync(options.pidFile, String(child.pid));
  const alive = (): boolean => child.exitCode === null && child.signalCode === null;
  try {
    await Promise.race([waitForTemporal({ address }, 'default', readyTimeoutMs, alive), spawnError]);
    for (const ns of options.namespaces ?? []) await waitForTemporal({ address }, ns, readyTimeoutMs, alive);
  } catch (error) {
    child.kill('SIGKILL');
    rmSync(options.pidFile, { force: true });
    const tail = existsSync(options.logFile) ? readFileSync(options.logFile, 'utf8').split('\n').slice(-15).join('\n') : '';
    throw new Error(`${(error as Error).message}\nLast lines of ${options.logFile}:\n${tail}`);
  }
  child.unref();

  let stopping: Promise<void> | undefined;
  return {
    address,
    stop: () =>
      (stopping ??= (async () => {
        if (alive()) child.kill('SIGTERM');
        await waitForExit(child, 10_000);
        rmSync(options.pidFile, { force: true });
      })()),
  };
}

export function devServerLogFile(dbFile: string): string {
  return join(dirname(dbFile), 'server.log');
}
