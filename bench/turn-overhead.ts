// Time ClawFlow adds to a turn, against an instant model: inbound accepted → model request arrives, and
// model reply → reply available to the caller. Printed beside the same runtime called directly (no Temporal).
//   npm run bench:overhead            (200 turns)
//   npm run bench:overhead -- 500     (N turns)
import { createServer } from 'node:http';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { loadConfig } from '../src/config/load.js';
import { createLogger } from '../src/logger.js';
import { runtimeSessionHeader, type Invocation } from '../src/contracts/agent-runtime.js';
import { OpenAiCompatibleProvider } from '../src/agent/providers/openai-compatible.js';
import { runtimeToken } from '../src/config/secrets.js';
import { startRuntime } from '../src/agent/runtime/server.js';
import { sendMessage } from '../src/session-client/session-client.js';
import { resolveTemporalCli } from '../src/temporal/cli-binary.js';
import { connectClient } from '../src/temporal/connection.js';
import { startDevServer } from '../src/temporal/dev-server.js';
import { startWorkers } from '../src/workers/run-workers.js';
import { freePort } from '../test/helpers/ports.js';

const turns = Number(process.argv[2] ?? 200);
const warmup = 10;

/** An OpenAI-compatible model that answers at once and notes when each request arrived and was answered. */
let arrived = 0;
let answered = 0;
const model = createServer((req, res) => {
  arrived = performance.now();
  req.resume();
  req.on('end', () => {
    const body = JSON.stringify({ choices: [{ index: 0, message: { role: 'assistant', content: 'ok' }, finish_reason: 'stop' }] });
    answered = performance.now();
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }).end(body);
  });
});

function percentiles(samples: number[]): string {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (p: number): string => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!.toFixed(2);
  return `p50 ${at(50).padStart(7)} ms   p95 ${at(95).padStart(7)} ms   p99 ${at(99).padStart(7)} ms`;
}

async function measure(label: string, turn: (i: number) => Promise<void>): Promise<void> {
  const inbound: number[] = [];
  const outbound: number[] = [];
  const total: number[] = [];
  for (let i = 0; i < warmup + turns; i += 1) {
    const start = performance.now();
    await turn(i);
    const end = performance.now();
    if (i < warmup) continue;
    inbound.push(arrived - start);
    outbound.push(end - answered);
    total.push(arrived - start + (end - answered));
  }
  console.log(`${label}`);
  console.log(`  inbound accepted → model request   ${percentiles(inbound)}`);
  console.log(`  model reply → reply available      ${percentiles(outbound)}`);
  console.log(`  added per turn (both)              ${percentiles(total)}`);
}

const home = mkdtempSync(join(tmpdir(), 'clawflow-bench-'));
await new Promise<void>((resolve) => model.listen(0, '127.0.0.1', resolve));
const modelUrl = `http://127.0.0.1:${(model.address() as AddressInfo).port}/v1`;
const temporalPort = await freePort();
writeFileSync(join(home, 'clawflow.json'), JSON.stringify({ session: { historyTurns: 20 } }));
const config = loadConfig({ ...process.env, CLAWFLOW_HOME: home, TEMPORAL_ADDRESS: `127.0.0.1:${temporalPort}` });
const logger = createLogger('warn');

const cli = await resolveTemporalCli({ explicitPath: config.temporal.bin, cacheDir: config.paths.cacheDir, onProgress: (m) => console.log(m) });
const server = await startDevServer({
  cli,
  dbFile: join(home, 'temporal.sqlite'),
  ip: '127.0.0.1',
  port: temporalPort,
  httpPort: await freePort(),
  logFile: join(home, 'server.log'),
  pidFile: join(home, 'server.pid'),
});
const runtime = await startRuntime({
  host: '127.0.0.1',
  port: 0,
  provider: new OpenAiCompatibleProvider({ baseUrl: modelUrl, model: 'instant', requestTimeoutMs: 10_000 }),
  token: runtimeToken(config),
  logger,
});
// As `clawflow start` runs them: the workers call the runtime in this process directly.
const workers = await startWorkers(config, { url: runtime.url, inProcess: runtime.invocations }, logger);
const client = await connectClient(config);

try {
  console.log(`ClawFlow turn overhead — ${turns} turns (after ${warmup} warm-up), one session, instant model, Temporal dev server (SQLite)\n`);
  // What the session workflow sends: the full context once, then only what is new.
  const invocation = (i: number): string =>
    JSON.stringify({
      sessionKey: 'main:bench:direct',
      turn: i + 1,
      context: i === 0 ? { mode: 'full', systemPrompt: null, summary: null, history: [], keepTurns: 20 } : { mode: 'cached', throughTurn: i },
      messages: [{ messageId: `d${i}`, content: `message ${i}` }],
    } satisfies Invocation);
  await measure('Runtime called directly (no Temporal)', async (i) => {
    const response = await fetch(`${runtime.url}/invocations`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: `Bearer ${runtimeToken(config)}`,
        [runtimeSessionHeader]: 'clawflow-bench-0000000000000000000000000',
      },
      body: invocation(i),
    });
    if (!response.ok) throw new Error(`direct invocation answered HTTP ${response.status}: ${await response.text()}`);
    await response.json();
  });
  console.log();
  await measure('Through ClawFlow (update-with-start → SessionWorkflow → invokeAgent activity → runtime → reply)', async (i) => {
    await sendMessage(client, config, 'main:bench:session', { text: `message ${i}`, messageId: `b${i}` });
  });
  console.log(`\nMemory of this process (runtime + workers + client): ${(process.memoryUsage().rss / 1024 / 1024).toFixed(0)} MB RSS`);
} finally {
  await client.connection.close();
  await workers.shutdown();
  await runtime.close();
  await server.stop();
  model.close();
  rmSync(home, { recursive: true, force: true });
}
