// Load: `clawflow start` against an instant model, then N new conversations (one turn each, each its own durable
// session through the API's `user`), then idle. Prints the resident memory of every process of the stack as it goes
// (ClawFlow's process, the Temporal dev server) and, at the end, how long a session that left the sessions worker's
// cache takes to wake on its next message, beside one still in it.
//   npm run bench:load                        (10,000 sessions)
//   npm run bench:memory                      (the same with 1,000)
//   npm run bench:load -- --sessions 3000 --env CLAWFLOW_SESSION_MAX_CACHED=100
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { chatTurn, cpuMs, envFromOptions, rssMb, startLocalStack } from './local-stack.js';

const { values } = parseArgs({
  options: {
    sessions: { type: 'string', default: '10000' },
    concurrency: { type: 'string', default: '8' },
    'idle-seconds': { type: 'string', default: '10' },
    env: { type: 'string', multiple: true },
  },
});
const total = Number(values.sessions);
const concurrency = Number(values.concurrency);
const env = envFromOptions(values.env);

const stack = await startLocalStack(env);
const [clawflow, temporal] = stack.pids();
const started = performance.now();
const peak = { clawflow: 0, temporal: 0, together: 0 };
const reading = (label: string): void => {
  const [c, t] = [rssMb(clawflow), rssMb(temporal)];
  console.log(
    `  ${((performance.now() - started) / 1000).toFixed(0).padStart(5)} s  ${label.padEnd(24)} ClawFlow ${c.toFixed(0).padStart(5)} MB   Temporal ${t.toFixed(0).padStart(5)} MB   together ${(c + t).toFixed(0).padStart(5)} MB`,
  );
};
const sampler = setInterval(() => {
  const [c, t] = [rssMb(clawflow), rssMb(temporal)];
  peak.clawflow = Math.max(peak.clawflow, c);
  peak.temporal = Math.max(peak.temporal, t);
  peak.together = Math.max(peak.together, c + t);
}, 250);
const run = Date.now().toString(36);
const user = (session: number): string => `load-${run}-${session}`;
const turn = (session: number, text: string): Promise<number> =>
  chatTurn(stack.baseUrl, stack.apiKey, { model: 'clawflow', user: user(session), messages: [{ role: 'user', content: text }] });
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

try {
  console.log(
    `Load — ${total} new sessions, one turn each, ${concurrency} at a time, then idle${
      Object.keys(env).length
        ? ` (${Object.entries(env)
            .map(([k, v]) => `${k}=${v}`)
            .join(' ')})`
        : ''
    }`,
  );
  await sleep(3000);
  reading('idle');
  let next = 0;
  let done = 0;
  const step = Math.max(1, Math.floor(total / 10));
  const opened = performance.now();
  const cpuBefore = [cpuMs(clawflow), cpuMs(temporal)];
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < total) {
        const session = next++;
        await turn(session, `hello from ${session}`);
        done += 1;
        if (done % step === 0) reading(`after ${done} sessions`);
      }
    }),
  );
  const seconds = (performance.now() - opened) / 1000;
  const [ownCpu, temporalCpu] = [cpuMs(clawflow) - cpuBefore[0]!, cpuMs(temporal) - cpuBefore[1]!].map((ms) => (ms / total).toFixed(1));
  console.log(
    `  opened ${total} sessions in ${seconds.toFixed(0)} s (${(total / seconds).toFixed(1)} new sessions/s); CPU per new session: ClawFlow ${ownCpu} ms, Temporal ${temporalCpu} ms`,
  );
  for (let waited = 0; waited < Number(values['idle-seconds']); waited += 5) {
    await sleep(5000);
    reading(`idle ${waited + 5} s`);
  }
  // The first sessions left the cache long ago; the last ones are still in it.
  const woken: number[] = [];
  for (let session = 0; session < Math.min(20, total); session++) woken.push(await turn(session, 'are you still there?'));
  const cached: number[] = [];
  for (let session = total - 1; session >= Math.max(0, total - 10); session--) cached.push(await turn(session, 'still here?'));
  console.log(
    `  a session from the cache answers in ${median(cached).toFixed(0)} ms (median of ${cached.length}); one that left it wakes and answers in ${median(woken).toFixed(0)} ms (median of ${woken.length}, slowest ${Math.max(...woken).toFixed(0)} ms)`,
  );
  reading('at the end');
  console.log(`  peak RSS: ClawFlow ${peak.clawflow.toFixed(0)} MB, Temporal ${peak.temporal.toFixed(0)} MB, together ${peak.together.toFixed(0)} MB`);
} finally {
  clearInterval(sampler);
  await stack.stop();
}
