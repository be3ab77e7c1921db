// N concurrent conversations of M turns through any OpenAI-compatible chat-completions endpoint: turns/s and latency.
//   npm run bench:api                                  (starts ClawFlow — `clawflow start` — against an instant model)
//   npm run bench:api -- --sessions 20 --turns 30
//   npm run bench:api -- --env CLAWFLOW_HISTORY_ENCRYPT=false
//   npm run bench:api -- --base-url http://127.0.0.1:18789/v1 --model openclaw --api-key TOKEN   (another gateway)
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { chatTurn, cpuMs, envFromOptions, instantModel, rssMb, startLocalStack } from './local-stack.js';

const { values } = parseArgs({
  options: {
    'base-url': { type: 'string' },
    sessions: { type: 'string', default: '10' },
    turns: { type: 'string', default: '20' },
    model: { type: 'string', default: 'clawflow' },
    'api-key': { type: 'string' },
    env: { type: 'string', multiple: true },
  },
});
// Settings for the stack this script starts, e.g. --env CLAWFLOW_HISTORY_ENCRYPT=false (to see what one costs).
const env = envFromOptions(values.env);
const sessions = Number(values.sessions);
const turns = Number(values.turns);

function percentile(sorted: number[], p: number): string {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!.toFixed(1).padStart(7);
}

const local = values['base-url'] ? null : await startLocalStack(env);
const baseUrl = values['base-url'] ?? local!.baseUrl;
const apiKey = values['api-key'] ?? local?.apiKey;
const run = Date.now().toString(36);

function turn(session: number, index: number): Promise<number> {
  return chatTurn(baseUrl, apiKey, {
    model: values.model,
    user: `bench-${run}-${session}`,
    messages: [{ role: 'user', content: `message ${index} of conversation ${session}` }],
  });
}

async function measure(): Promise<void> {
  console.log(`Chat-completions load — ${sessions} concurrent conversations × ${turns} turns against ${baseUrl} (model "${values.model}")`);
  // One warm-up turn per conversation: sessions start, caches fill.
  await Promise.all(Array.from({ length: sessions }, (_, s) => turn(s, -1)));
  const peak = { rss: 0 };
  const sampler = local
    ? setInterval(
        () =>
          (peak.rss = Math.max(
            peak.rss,
            local.pids().reduce((sum, pid) => sum + rssMb(pid), 0),
          )),
        200,
      )
    : undefined;
  const cpuBefore = local ? [...local.pids(), process.pid].map(cpuMs) : [];
  const callsBefore = instantModel.calls;
  const msBefore = instantModel.ms;
  const started = performance.now();
  const latencies = (
    await Promise.all(
      Array.from({ length: sessions }, async (_, s) => {
        const mine: number[] = [];
        for (let t = 0; t < turns; t++) mine.push(await turn(s, t));
        return mine;
      }),
    )
  ).flat();
  const seconds = (performance.now() - started) / 1000;
  clearInterval(sampler);

  const sorted = latencies.sort((a, b) => a - b);
  const mean = latencies.reduce((a, b) => a + b, 0) / latencies.length;
  console.log(`  throughput        ${(latencies.length / seconds).toFixed(1)} turns/s (${latencies.length} turns in ${seconds.toFixed(1)} s)`);
  console.log(`  latency           p50 ${percentile(sorted, 50)} ms   p95 ${percentile(sorted, 95)} ms   p99 ${percentile(sorted, 99)} ms`);
  if (local) {
    const calls = instantModel.calls - callsBefore;
    const inModel = calls ? (instantModel.ms - msBefore) / calls : 0;
    console.log(`  outside the model ${(mean - inModel).toFixed(1)} ms per turn on average (the model took ${inModel.toFixed(2)} ms per call, ${calls} calls)`);
    console.log(`  memory            ${peak.rss.toFixed(0)} MB peak RSS (clawflow start + Temporal dev server)`);
    // Where the machine's time went: both cores are shared by ClawFlow, the dev server and this client (with the model).
    const [clawflow, temporal, client] = [...local.pids(), process.pid].map((pid, i) => (cpuMs(pid) - cpuBefore[i]!) / latencies.length);
    console.log(
      `  CPU per turn      ClawFlow ${clawflow!.toFixed(1)} ms   Temporal ${temporal!.toFixed(1)} ms   this client and model ${client!.toFixed(1)} ms`,
    );
  }
}

// The stack this script started stops whatever happens, so a failed run leaves nothing behind.
try {
  await measure();
} finally {
  await local?.stop();
}
