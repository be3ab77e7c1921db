// N concurrent conversations of M turns through any OpenAI-compatible chat-completions endpoint: turns/s and latency.
//   npm run bench:api                                  (starts ClawFlow — `clawflow start` — against an instant model)
//   npm run bench:api -- --sessions 20 --turns 30
//   npm run bench:api -- --base-url http://127.0.0.1:18789/v1 --model openclaw --api-key TOKEN   (another gateway)
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { freePort } from '../test/helpers/ports.js';

const { values } = parseArgs({
  options: {
    'base-url': { type: 'string' },
    sessions: { type: 'string', default: '10' },
    turns: { type: 'string', default: '20' },
    model: { type: 'string', default: 'clawflow' },
    'api-key': { type: 'string' },
  },
});
const sessions = Number(values.sessions);
const turns = Number(values.turns);

/** An OpenAI-compatible model that answers at once, and adds up the time it spent per request. */
let modelCalls = 0;
let modelMs = 0;
const model = createServer((req, res) => {
  const start = performance.now();
  req.resume();
  req.on('end', () => {
    const body = JSON.stringify({ choices: [{ index: 0, message: { role: 'assistant', content: 'ok' }, finish_reason: 'stop' }] });
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }).end(body);
    modelCalls += 1;
    modelMs += performance.now() - start;
  });
});

interface LocalStack {
  baseUrl: string;
  /** The API's bearer token, made by `clawflow start` on first start. */
  apiKey: string;
  pids(): number[];
  stop(): Promise<void>;
}

/** `clawflow start` in a fresh state dir, with its own ports, answering with the instant model. */
async function startLocalStack(): Promise<LocalStack> {
  await new Promise<void>((resolve) => model.listen(0, '127.0.0.1', resolve));
  const home = mkdtempSync(join(tmpdir(), 'clawflow-bench-api-'));
  const apiPort = await freePort();
  const child = spawn(process.execPath, [fileURLToPath(new URL('../bin/clawflow.js', import.meta.url)), 'start'], {
    env: {
      ...process.env,
      CLAWFLOW_HOME: home,
      TEMPORAL_ADDRESS: '',
      CLAWFLOW_TEMPORAL_PORT: String(await freePort()),
      CLAWFLOW_TEMPORAL_UI_PORT: String(await freePort()),
      CLAWFLOW_RUNTIME_PORT: String(await freePort()),
      CLAWFLOW_API_PORT: String(apiPort),
      CLAWFLOW_WEBCHAT_PORT: String(await freePort()),
      CLAWFLOW_MODEL_BASE_URL: `http://127.0.0.1:${(model.address() as AddressInfo).port}/v1`,
      CLAWFLOW_MODEL: 'instant',
      CLAWFLOW_LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let output = '';
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('Press Ctrl-C to stop')) resolve();
    });
    child.once('exit', () => reject(new Error(`clawflow start exited:\n${output}`)));
  });
  const serverPid = Number(readFileSync(join(home, 'temporal', 'server.pid'), 'utf8').trim());
  return {
    baseUrl: `http://127.0.0.1:${apiPort}/v1`,
    apiKey: readFileSync(join(home, 'secrets', 'api-token'), 'utf8').trim(),
    pids: () => [child.pid!, serverPid],
    stop: async () => {
      child.kill('SIGINT');
      await new Promise((resolve) => child.once('exit', resolve));
      model.close();
      rmSync(home, { recursive: true, force: true });
    },
  };
}

function rssMb(pid: number): number {
  try {
    return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) / 1024;
  } catch {
    return 0;
  }
}

function percentile(sorted: number[], p: number): string {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!.toFixed(1).padStart(7);
}

const local = values['base-url'] ? null : await startLocalStack();
const baseUrl = values['base-url'] ?? local!.baseUrl;
const apiKey = values['api-key'] ?? local?.apiKey;
const run = Date.now().toString(36);

async function turn(session: number, index: number): Promise<number> {
  const start = performance.now();
  const response = await fetch(`${baseUrl.replace(/\/+$/, '')}/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(apiKey ? { authorization: `Bearer ${apiKey}` } : {}) },
    body: JSON.stringify({ model: values.model, user: `bench-${run}-${session}`, messages: [{ role: 'user', content: `message ${index} of conversation ${session}` }] }),
  });
  if (!response.ok) throw new Error(`HTTP ${response.status}: ${await response.text()}`);
  await response.json();
  return performance.now() - start;
}

async function measure(): Promise<void> {
  console.log(`Chat-completions load — ${sessions} concurrent conversations × ${turns} turns against ${baseUrl} (model "${values.model}")`);
  // One warm-up turn per conversation: sessions start, caches fill.
  await Promise.all(Array.from({ length: sessions }, (_, s) => turn(s, -1)));
  const peak = { rss: 0 };
  const sampler = local ? setInterval(() => (peak.rss = Math.max(peak.rss, local.pids().reduce((sum, pid) => sum + rssMb(pid), 0))), 200) : undefined;
  const callsBefore = modelCalls;
  const msBefore = modelMs;
  const started = performance.now();
  const latencies = (await Promise.all(Array.from({ length: sessions }, async (_, s) => {
    const mine: number[] = [];
    for (let t = 0; t < turns; t++) mine.push(await turn(s, t));
    return mine;
  }))).flat();
  const seconds = (performance.now() - started) / 1000;
  clearInterval(sampler);

  const sorted = latencies.sort((a, b) => a - b);
  const mean = latencies.reduce((a, b) => a + b, 0) / latencies.length;
  console.log(`  throughput        ${(latencies.length / seconds).toFixed(1)} turns/s (${latencies.length} turns in ${seconds.toFixed(1)} s)`);
  console.log(`  latency           p50 ${percentile(sorted, 50)} ms   p95 ${percentile(sorted, 95)} ms   p99 ${percentile(sorted, 99)} ms`);
  if (local) {
    const calls = modelCalls - callsBefore;
    const inModel = calls ? (modelMs - msBefore) / calls : 0;
    console.log(`  outside the model ${(mean - inModel).toFixed(1)} ms per turn on average (the model took ${inModel.toFixed(2)} ms per call, ${calls} calls)`);
    console.log(`  memory            ${peak.rss.toFixed(0)} MB peak RSS (clawflow start + Temporal dev server)`);
  }
}

// The stack this script started stops whatever happens, so a failed run leaves nothing behind.
try {
  await measure();
} finally {
  await local?.stop();
}
