// What the engine allows on this machine: the same Temporal dev server ClawFlow starts (same flags, SQLite), one
// Node process with a bare Temporal worker and client, and the least a durable conversation can be — a workflow per
// conversation taking each message as an update-with-start and answering through one local activity. No ClawFlow
// code runs in a turn, so its numbers are the ceiling for turns/s and the floor for memory that ClawFlow's own
// (`npm run bench:api`, `npm run bench:load`) are measured against.
//   npm run bench:floor                                  (10 × 20 turns, then 10,000 new conversations)
//   npm run bench:floor -- --sessions 2000 --conversations 10 --turns 20
//   npm run bench:floor -- --sessions 0 --upserts 1       (each turn also writes its search attributes once)
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Client, Connection, WithStartWorkflowOperation } from '@temporalio/client';
import { NativeConnection, Runtime, Worker } from '@temporalio/worker';
import { loadConfig } from '../src/config/load.js';
import { resolveTemporalCli } from '../src/temporal/cli-binary.js';
import { startDevServer } from '../src/temporal/dev-server.js';
import { freePort } from '../test/helpers/ports.js';
import { quietLogger } from './engine-floor/quiet-logger.js';
import { cpuMs, rssMb } from './local-stack.js';

const { values } = parseArgs({
  options: {
    conversations: { type: 'string', default: '10' },
    turns: { type: 'string', default: '20' },
    sessions: { type: 'string', default: '10000' },
    'max-cached': { type: 'string', default: '25' },
    // Search-attribute writes per turn (0, 1 or 2; see engine-floor/workflow.ts): what visibility costs the engine.
    upserts: { type: 'string', default: '0' },
  },
});
const conversations = Number(values.conversations);
const turns = Number(values.turns);
const sessions = Number(values.sessions);

Runtime.install({ logger: quietLogger });
const home = mkdtempSync(join(tmpdir(), 'clawflow-floor-'));
const port = await freePort();
// The Temporal CLI ClawFlow would use (config's temporal.bin, PATH, or the per-machine cache).
const config = loadConfig({ ...process.env, CLAWFLOW_HOME: home });
const cli = await resolveTemporalCli({ explicitPath: config.temporal.bin, cacheDir: config.paths.cacheDir });
const server = await startDevServer({
  cli,
  dbFile: join(home, 'temporal.sqlite'),
  ip: '127.0.0.1',
  port,
  httpPort: await freePort(),
  logFile: join(home, 'server.log'),
  pidFile: join(home, 'server.pid'),
});
const serverPid = Number(readFileSync(join(home, 'server.pid'), 'utf8').trim());
const taskQueue = 'floor';
// Bundled in a child process, as ClawFlow loads a prebuilt bundle: webpack's memory is not the engine's.
const bundleFile = join(home, 'workflow-bundle.js');
execFileSync(process.execPath, ['--import', 'tsx', fileURLToPath(new URL('./engine-floor/bundle.ts', import.meta.url)), bundleFile], { stdio: 'inherit' });
const worker = await Worker.create({
  connection: await NativeConnection.connect({ address: server.address }),
  taskQueue,
  workflowBundle: { code: readFileSync(bundleFile, 'utf8') },
  activities: { answer: async (text: string) => `ok: ${text.length}` },
  stickyQueueScheduleToStartTimeout: '3s',
  maxCachedWorkflows: Number(values['max-cached']),
});
const running = worker.run();
const client = new Client({ connection: await Connection.connect({ address: server.address }) });
const run = Date.now().toString(36);

async function turn(conversation: string, text: string): Promise<number> {
  const start = performance.now();
  await client.workflow.executeUpdateWithStart('send', {
    args: [text],
    startWorkflowOperation: new WithStartWorkflowOperation('floorConversation', {
      args: [Number(values.upserts)],
      workflowId: conversation,
      taskQueue,
      workflowIdConflictPolicy: 'USE_EXISTING',
    }),
  });
  return performance.now() - start;
}
const at = (sorted: number[], p: number): string => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!.toFixed(0);
const reading = (label: string): string => {
  const [own, temporal] = [rssMb(process.pid), rssMb(serverPid)];
  return `  ${label.padEnd(26)} this process ${own.toFixed(0).padStart(5)} MB   Temporal ${temporal.toFixed(0).padStart(5)} MB   together ${(own + temporal).toFixed(0).padStart(5)} MB`;
};

try {
  console.log(
    `Engine floor — Temporal dev server (SQLite) + a bare TypeScript worker and client, ${cpus().length} cores, ${new Date().toISOString().slice(0, 10)}`,
  );
  console.log(reading('idle'));
  // Throughput: the same shape as bench:api (concurrent conversations, each sending its next message when answered).
  await Promise.all(Array.from({ length: conversations }, (_, c) => turn(`warm-${run}-${c}`, 'warm-up')));
  const latencies: number[] = [];
  const cpuBefore = [cpuMs(process.pid), cpuMs(serverPid)];
  const started = performance.now();
  await Promise.all(
    Array.from({ length: conversations }, async (_, c) => {
      for (let t = 0; t < turns; t++) latencies.push(await turn(`warm-${run}-${c}`, `message ${t}`));
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  const sorted = latencies.sort((a, b) => a - b);
  console.log(
    `  ${conversations} conversations × ${turns} turns: ${(latencies.length / seconds).toFixed(1)} turns/s   latency p50 ${at(sorted, 50)} ms   p95 ${at(sorted, 95)} ms   p99 ${at(sorted, 99)} ms`,
  );
  const [own, temporal] = [cpuMs(process.pid) - cpuBefore[0]!, cpuMs(serverPid) - cpuBefore[1]!].map((ms) => (ms / latencies.length).toFixed(1));
  console.log(`  CPU per turn: this process (worker and client) ${own} ms   Temporal ${temporal} ms`);
  // Memory: new conversations, one turn each, 8 at a time (as bench:load).
  let next = 0;
  let done = 0;
  const peak = { together: 0 };
  const sampler = setInterval(() => (peak.together = Math.max(peak.together, rssMb(process.pid) + rssMb(serverPid))), 250);
  const opened = performance.now();
  const openCpuBefore = [cpuMs(process.pid), cpuMs(serverPid)];
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      while (next < sessions) {
        const session = next++;
        await turn(`new-${run}-${session}`, `hello from ${session}`);
        done += 1;
        if (done % Math.max(1, Math.floor(sessions / 5)) === 0) console.log(reading(`after ${done} conversations`));
      }
    }),
  );
  clearInterval(sampler);
  const openSeconds = (performance.now() - opened) / 1000;
  const [ownOpen, temporalOpen] = [cpuMs(process.pid) - openCpuBefore[0]!, cpuMs(serverPid) - openCpuBefore[1]!].map((ms) =>
    (ms / Math.max(1, sessions)).toFixed(1),
  );
  console.log(
    `  opened ${sessions} conversations in ${openSeconds.toFixed(0)} s (${(sessions / openSeconds).toFixed(1)} new/s; CPU per new conversation: this process ${ownOpen} ms, Temporal ${temporalOpen} ms); peak together ${peak.together.toFixed(0)} MB`,
  );
} finally {
  worker.shutdown();
  await running;
  await client.connection.close();
  await server.stop();
  rmSync(home, { recursive: true, force: true });
}
