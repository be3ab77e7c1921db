// Memory as sessions pile up: `clawflow start` against an instant model, then N new conversations (one turn each,
// each its own durable session through the API's `user`), printing the resident memory of ClawFlow's process and of
// the Temporal dev server as they grow.
//   npm run bench:memory                      (1,000 sessions)
//   npm run bench:memory -- --sessions 3000 --env CLAWFLOW_SESSION_MAX_CACHED=100
import { parseArgs } from 'node:util';
import { chatTurn, rssMb, startLocalStack } from './local-stack.js';

const { values } = parseArgs({ options: { sessions: { type: 'string', default: '1000' }, concurrency: { type: 'string', default: '8' }, env: { type: 'string', multiple: true } } });
const total = Number(values.sessions);
const concurrency = Number(values.concurrency);
const env = Object.fromEntries((values.env ?? []).map((pair) => [pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1)]));

const stack = await startLocalStack(env);
const [clawflow, temporal] = stack.pids();
const reading = (label: string): void =>
  console.log(`  ${label.padEnd(22)} ClawFlow ${rssMb(clawflow).toFixed(0).padStart(5)} MB   Temporal ${rssMb(temporal).toFixed(0).padStart(5)} MB   together ${(rssMb(clawflow) + rssMb(temporal)).toFixed(0).padStart(5)} MB`);

try {
  console.log(`Memory — ${total} new sessions, one turn each, ${concurrency} at a time${Object.keys(env).length ? ` (${Object.entries(env).map(([k, v]) => `${k}=${v}`).join(' ')})` : ''}`);
  await new Promise((resolve) => setTimeout(resolve, 3000));
  reading('idle');
  const run = Date.now().toString(36);
  let next = 0;
  let done = 0;
  const step = Math.max(1, Math.floor(total / 4));
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < total) {
        const session = next++;
        await chatTurn(stack.baseUrl, stack.apiKey, { model: 'clawflow', user: `memory-${run}-${session}`, messages: [{ role: 'user', content: `hello from ${session}` }] });
        done += 1;
        if (done % step === 0) reading(`after ${done} sessions`);
      }
    }),
  );
  await new Promise((resolve) => setTimeout(resolve, 3000));
  reading('3 s later');
} finally {
  await stack.stop();
}
