import { randomUUID } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { statePaths } from '../../src/config/paths.js';
import { createLogger } from '../../src/logger.js';
import { resolveTemporalCli, type TemporalCli } from '../../src/temporal/cli-binary.js';
import { startDevServer } from '../../src/temporal/dev-server.js';
import { loadWorkflowBundle } from '../../src/workers/workflow-bundle.js';
import { failOnLeftovers, testRunVariable } from './leftover-processes.js';
import { machineNeeds, needNames, type MachineNeeds } from './machine.js';
import { namespaceForFile } from './namespace.js';
import { freePort } from './ports.js';

declare module 'vitest' {
  export interface ProvidedContext {
    temporalAddress: string;
    /** Port of the shared dev server's HTTP API (it answers only the Host name devServerHttpHost). */
    temporalHttpPort: number;
    temporalCli: TemporalCli;
    /** The shared dev server's SQLite file: tests search it for what must never be stored. */
    temporalDbFile: string;
    /** What this machine lacks that some tests need (null: here): those tests skip outside CI. */
    machine: MachineNeeds;
  }
}

interface SharedRun {
  machine: MachineNeeds;
  missing: Array<keyof MachineNeeds>;
  cli: TemporalCli;
  address: string;
  httpPort: number;
  dbFile: string;
  stop(): Promise<void>;
}

/**
 * The projects that need Temporal (integration, slow) share one run: one dev server, started by the first project's
 * setup and stopped by the last one's teardown (kept on globalThis: every project's setup runs in this one process).
 */
const shared = globalThis as { clawflowTestRun?: Promise<SharedRun>; clawflowTestRunUsers?: number };

/** One Temporal dev server for the whole run, with a namespace per integration test file. */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  shared.clawflowTestRun ??= startRun();
  shared.clawflowTestRunUsers = (shared.clawflowTestRunUsers ?? 0) + 1;
  const run = await shared.clawflowTestRun;
  project.provide('machine', run.machine);
  project.provide('temporalAddress', run.address);
  project.provide('temporalHttpPort', run.httpPort);
  project.provide('temporalCli', run.cli);
  project.provide('temporalDbFile', run.dbFile);
  return async () => {
    shared.clawflowTestRunUsers! -= 1;
    if (shared.clawflowTestRunUsers === 0) await run.stop();
  };
}

async function startRun(): Promise<SharedRun> {
  // Every process the tests start carries this run's id: the teardown finds any still alive by it.
  const runId = randomUUID();
  process.env[testRunVariable] = runId;
  // Every `clawflow start` a test runs would serve the console on the same default port: a test that wants it says so.
  process.env.CLAWFLOW_CONSOLE_ENABLED ??= 'false';
  // Outside CI, tests that need what npm install cannot bring skip (named at the end); in CI their absence fails.
  const machine = await machineNeeds();
  const missing = (Object.keys(machine) as Array<keyof MachineNeeds>).filter((need) => machine[need] !== null);
  if (process.env.CI && missing.length) {
    throw new Error(`CI needs everything the tests use; this machine lacks:\n${missing.map((need) => `  ${needNames[need]}: ${machine[need]}`).join('\n')}`);
  }
  const { cacheDir } = statePaths();
  const cli = await resolveTemporalCli({ explicitPath: process.env.CLAWFLOW_TEMPORAL_BIN, cacheDir, onProgress: (m) => console.log(m) });
  // Bundle once up front, so worker processes started in parallel find it cached.
  await loadWorkflowBundle(cacheDir, createLogger('silent'));
  const dir = mkdtempSync(join(tmpdir(), 'clawflow-temporal-'));
  const httpPort = await freePort();
  const integrationDir = new URL('../integration/', import.meta.url);
  const namespaces = readdirSync(integrationDir)
    .filter((f) => f.endsWith('.test.ts'))
    .map(namespaceForFile);
  const server = await startDevServer({
    cli,
    dbFile: join(dir, 'temporal.sqlite'),
    ip: '127.0.0.1',
    port: await freePort(),
    httpPort,
    namespaces,
    logFile: join(dir, 'server.log'),
    pidFile: join(dir, 'server.pid'),
  });
  return {
    machine,
    missing,
    cli,
    address: server.address,
    httpPort,
    dbFile: join(dir, 'temporal.sqlite'),
    async stop() {
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
      if (missing.length) {
        console.log(`\nSkipped on this machine (CI runs them):\n${missing.map((need) => `  ${needNames[need]}: ${machine[need]}`).join('\n')}`);
      }
      await failOnLeftovers(runId);
    },
  };
}
