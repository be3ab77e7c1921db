// `npm run chaos [-- --conversations 200 --messages 3 --kills 25 --seed N --logs <dir>]`: conversations over the
// WebChat and a fake Telegram while the parts of the stack are SIGKILLed, each once on an event that puts work in its
// hands and the rest at random; prints what was lost or doubled, and exits 1 on any loss, duplicate, command run twice,
// kill that found no work in flight or recovery over its bound. The seed is printed first: --seed repeats a schedule.
import { parseArgs } from 'node:util';
import { chaosRecoveryBoundMs, formatReport, passed, runChaos } from './chaos.js';

const { values } = parseArgs({
  options: {
    conversations: { type: 'string', default: '200' },
    messages: { type: 'string', default: '3' },
    kills: { type: 'string', default: '25' },
    'start-every-ms': { type: 'string', default: '250' },
    seed: { type: 'string' },
    logs: { type: 'string' },
  },
});

console.log(`Chaos — ${new Date().toISOString()}`);
const report = await runChaos({
  conversations: Number(values.conversations),
  messagesPerConversation: Number(values.messages),
  startEveryMs: Number(values['start-every-ms']),
  kills: Number(values.kills),
  ...(values.seed ? { seed: Number(values.seed) } : {}),
  recoveryBoundMs: chaosRecoveryBoundMs(Number(values.conversations)),
  downMs: [500, 3000],
  toolEvery: 5,
  settleMs: 90_000,
  log: (line) => console.log(`  ${line}`),
  ...(values.logs ? { logsDir: values.logs } : {}),
});
console.log(formatReport(report));
process.exit(passed(report) ? 0 : 1);
