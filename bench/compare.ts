// The same traffic against ClawFlow (started here, on the instant model) and another OpenAI-compatible gateway,
// one run, both printed with their ratios: a warm conversation's added time, and throughput under concurrency; then
// the same concurrency against the bare engine (`npm run bench:floor`), the limit either could reach on this machine.
//   npm run bench:compare -- --other-base-url http://127.0.0.1:18789/v1 --other-model openclaw [--other-api-key K]
// Point the other gateway at the same instant model first: it listens on 127.0.0.1:<--model-port> (default 18799)/v1,
// model "instant", from the moment this script starts until it ends.
import { execFileSync } from 'node:child_process';
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { chatTurn, startLocalStack } from './local-stack.js';

const { values } = parseArgs({
  options: {
    'other-base-url': { type: 'string' },
    'other-model': { type: 'string', default: 'openclaw' },
    'other-api-key': { type: 'string' },
    'model-port': { type: 'string', default: '18799' },
    'warm-turns': { type: 'string', default: '100' },
  },
});
if (!values['other-base-url']) throw new Error('give --other-base-url (and --other-model) of the gateway to compare with');

interface Target {
  name: string;
  baseUrl: string;
  model: string;
  apiKey: string | undefined;
}

const run = Date.now().toString(36);
const percentile = (sorted: number[], p: number): number => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;

/** One conversation, turn after turn: with an instant model, each turn's latency is what the gateway adds. */
async function warm(target: Target, turns: number): Promise<{ p50: number; p95: number; p99: number }> {
  const user = `compare-${run}-${target.name}-warm`;
  const turn = (i: number) => chatTurn(target.baseUrl, target.apiKey, { model: target.model, user, messages: [{ role: 'user', content: `warm turn ${i}` }] });
  for (let i = 0; i < 5; i++) await turn(-i);
  const latencies: number[] = [];
  for (let i = 0; i < turns; i++) latencies.push(await turn(i));
  const sorted = latencies.sort((a, b) => a - b);
  return { p50: percentile(sorted, 50), p95: percentile(sorted, 95), p99: percentile(sorted, 99) };
}

/** Conversations side by side: turns per second over all, and the slowest turns. */
async function concurrent(target: Target, sessions: number, turns: number): Promise<{ perSecond: number; p99: number }> {
  const turn = (s: number, i: number) =>
    chatTurn(target.baseUrl, target.apiKey, {
      model: target.model,
      user: `compare-${run}-${target.name}-${sessions}-${s}`,
      messages: [{ role: 'user', content: `turn ${i}` }],
    });
  await Promise.all(Array.from({ length: sessions }, (_, s) => turn(s, -1)));
  const started = performance.now();
  const latencies = (
    await Promise.all(
      Array.from({ length: sessions }, async (_, s) => {
        const mine: number[] = [];
        for (let i = 0; i < turns; i++) mine.push(await turn(s, i));
        return mine;
      }),
    )
  ).flat();
  return {
    perSecond: latencies.length / ((performance.now() - started) / 1000),
    p99: percentile(
      latencies.sort((a, b) => a - b),
      99,
    ),
  };
}

/** The bare engine's turns/s and p99 for the same traffic (bench/engine-floor.ts in its own process, after the others). */
function floor(conversations: number, turns: number): { perSecond: number; p99: number } {
  const output = execFileSync(
    process.execPath,
    [
      '--import',
      'tsx',
      fileURLToPath(new URL('./engine-floor.ts', import.meta.url)),
      '--conversations',
      String(conversations),
      '--turns',
      String(turns),
      '--sessions',
      '0',
      '--max-cached',
      '1000',
    ],
    { encoding: 'utf8', timeout: 300_000 },
  );
  const line = /([\d.]+) turns\/s .* p99 (\d+) ms/.exec(output);
  if (!line) throw new Error(`bench:floor printed no turns/s:\n${output}`);
  return { perSecond: Number(line[1]), p99: Number(line[2]) };
}

const local = await startLocalStack({}, Number(values['model-port']));
let stopped = false;
try {
  const targets: Target[] = [
    { name: 'other', baseUrl: values['other-base-url'], model: values['other-model'], apiKey: values['other-api-key'] },
    { name: 'clawflow', baseUrl: local.baseUrl, model: 'clawflow', apiKey: local.apiKey },
  ];
  const rows: Array<[string, string, string, string, string]> = [];
  const ms = (n: number) => `${n.toFixed(0)} ms`;
  const results = [];
  for (const target of targets) {
    // One at a time: they share the machine's cores.
    results.push({ warm: await warm(target, Number(values['warm-turns'])), small: await concurrent(target, 10, 10), large: await concurrent(target, 50, 4) });
  }
  const [other, mine] = results as [(typeof results)[0], (typeof results)[0]];
  await local.stop();
  stopped = true;
  const engine = { small: floor(10, 10), large: floor(50, 4) };
  const ratio = (a: number, b: number) => `${(a / b).toFixed(1)}×`;
  rows.push([
    'warm turn, added p50 / p95 / p99',
    `${ms(other.warm.p50)} / ${ms(other.warm.p95)} / ${ms(other.warm.p99)}`,
    `${ms(mine.warm.p50)} / ${ms(mine.warm.p95)} / ${ms(mine.warm.p99)}`,
    `${ratio(other.warm.p50, mine.warm.p50)} faster (p50)`,
    '—',
  ]);
  rows.push([
    '10 sessions × 10 turns',
    `${other.small.perSecond.toFixed(1)} turns/s`,
    `${mine.small.perSecond.toFixed(1)} turns/s`,
    `${ratio(mine.small.perSecond, other.small.perSecond)} the throughput`,
    `${engine.small.perSecond.toFixed(1)} turns/s (ClawFlow ${(mine.small.perSecond / engine.small.perSecond).toFixed(2)} of it)`,
  ]);
  rows.push([
    '50 sessions × 4 turns, p99',
    `${other.large.perSecond.toFixed(1)} turns/s, ${ms(other.large.p99)}`,
    `${mine.large.perSecond.toFixed(1)} turns/s, ${ms(mine.large.p99)}`,
    `${ratio(mine.large.perSecond, other.large.perSecond)} the throughput`,
    `${engine.large.perSecond.toFixed(1)} turns/s, ${ms(engine.large.p99)} (ClawFlow ${(mine.large.perSecond / engine.large.perSecond).toFixed(2)} of it)`,
  ]);
  console.log(
    `Side by side on ${cpus().length} cores, ${new Date().toISOString().slice(0, 10)}: ${values['other-model']} at ${values['other-base-url']} vs ClawFlow (both on the instant model)\n`,
  );
  console.log(`| figure | ${values['other-model']} | ClawFlow | ClawFlow vs it | the engine alone |\n| --- | --- | --- | --- | --- |`);
  for (const row of rows) console.log(`| ${row.join(' | ')} |`);
} finally {
  if (!stopped) await local.stop();
}
