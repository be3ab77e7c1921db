// What the benches share: an instant model, `clawflow start` in a fresh state dir on its own ports, and RSS readings.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { freePort } from '../test/helpers/ports.js';

/** An OpenAI-compatible model that answers at once, and adds up the time it spent per request. */
export const instantModel = {
  calls: 0,
  ms: 0,
  /** The body of the last request it was sent. */
  lastRequest: Buffer.alloc(0),
  server: createServer((req, res) => {
    const start = performance.now();
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      instantModel.lastRequest = Buffer.concat(chunks);
      const body = JSON.stringify({ choices: [{ index: 0, message: { role: 'assistant', content: 'ok' }, finish_reason: 'stop' }] });
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }).end(body);
      instantModel.calls += 1;
      instantModel.ms += performance.now() - start;
    });
  }),
};

export interface LocalStack {
  baseUrl: string;
  /** The API's bearer token, made by `clawflow start` on first start. */
  apiKey: string;
  /** ClawFlow's process, then the Temporal dev server's. */
  pids(): [number, number];
  stop(): Promise<void>;
}

/** `clawflow start` in a fresh state dir, with its own ports, answering with the instant model. */
export async function startLocalStack(env: NodeJS.ProcessEnv = {}, modelPort = 0): Promise<LocalStack> {
  await new Promise<void>((resolve) => instantModel.server.listen(modelPort, '127.0.0.1', resolve));
  const home = mkdtempSync(join(tmpdir(), 'clawflow-bench-'));
  const apiPort = await freePort();
  // BENCH_NODE_ARGS, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof": Node options for `clawflow start` only (flags such as
  // --cpu-prof are refused in NODE_OPTIONS).
  const nodeArgs = (process.env.BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const clawflow = fileURLToPath(new URL('../bin/clawflow.js', import.meta.url));
  const child = spawn(process.execPath, [...nodeArgs, clawflow, 'start'], {
    env: {
      // As `npm start` runs it (package.json): two malloc arenas, unless the caller names its own.
      MALLOC_ARENA_MAX: '2',
      ...process.env,
      CLAWFLOW_HOME: home,
      TEMPORAL_ADDRESS: '',
      CLAWFLOW_TEMPORAL_PORT: String(await freePort()),
      CLAWFLOW_TEMPORAL_UI_PORT: String(await freePort()),
      CLAWFLOW_TEMPORAL_HTTP_PORT: String(await freePort()),
      CLAWFLOW_RUNTIME_PORT: String(await freePort()),
      CLAWFLOW_API_PORT: String(apiPort),
      CLAWFLOW_CONSOLE_PORT: String(await freePort()),
      CLAWFLOW_WEBCHAT_PORT: String(await freePort()),
      CLAWFLOW_CODEC_PORT: String(await freePort()),
      CLAWFLOW_MODEL_BASE_URL: `http://127.0.0.1:${(instantModel.server.address() as AddressInfo).port}/v1`,
      CLAWFLOW_MODEL: 'instant',
      CLAWFLOW_LOG_LEVEL: 'warn',
      ...env,
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
      instantModel.server.close();
      rmSync(home, { recursive: true, force: true });
    },
  };
}

/** Settings for the stack a bench starts, from its repeated `--env NAME=value` options. */
export function envFromOptions(pairs: string[] = []): NodeJS.ProcessEnv {
  return Object.fromEntries(pairs.map((pair) => [pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1)]));
}

/** A process's resident memory in MB (0 once it is gone). */
export function rssMb(pid: number): number {
  try {
    return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) / 1024;
  } catch {
    return 0;
  }
}

/** CPU time a process has used so far (user + system), in ms (0 once it is gone). */
export function cpuMs(pid: number): number {
  try {
    // Fields after the command name (which may hold spaces): utime and stime are the 12th and 13th, in clock ticks.
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
  } catch {
    return 0;
  }
}

/** One turn through the OpenAI-compatible API; resolves with its latency in ms. */
export async function chatTurn(baseUrl: string, apiKey: string | undefined, body: Record<string, unknown>): Promise<number> {
  const start = performance.now();
  const response = await fetch(`${baseUrl.replace(/\/+$/, '')}/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(apiKey ? { authorization: `Bearer ${apiKey}` } : {}) },
    body: JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`HTTP ${response.status}: ${await response.text()}`);
  await response.json();
  return performance.now() - start;
}
