/**
 * Recovery: how soon a turn cut off by a crash is answered once the failed part is back. One stack on 127.0.0.1
 * (Temporal dev server, `clawflow runtime`, `clawflow worker`, `clawflow connector`), a fake Telegram Bot API and a
 * scripted model; each case kills one part with SIGKILL at the worst moment, starts it again, and prints the time
 * from "back up" to "reply delivered", the model calls the message cost and the replies delivered. It exits 1 when
 * a case got no reply or more than one, or ran its command more than once (the command appends a line per run).
 *
 *   npm run bench:recovery [-- --logs <dir>]   (--logs keeps every process's output there)
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { loadConfig } from '../src/config/load.js';
import { resolveTemporalCli } from '../src/temporal/cli-binary.js';
import { startDevServer, type DevServer } from '../src/temporal/dev-server.js';
import { FakeModel, type ModelRequest, type ScriptedAnswer } from '../test/helpers/fake-model.js';
import { FakeTelegram } from '../test/helpers/fake-telegram.js';
import { freePort, portOpen } from '../test/helpers/ports.js';
import { spawnCli, type CliProcess } from '../test/helpers/processes.js';

const { values } = parseArgs({ options: { logs: { type: 'string' } } });
const owner = { id: 42, first_name: 'Ada' };
// Appends: a second run of the command leaves a second line.
const slowCommand = 'echo started >> started.txt; sleep 20';

/** Answers with what it heard; "run the slow command" first asks for a command, then answers with its outcome. */
function script(request: ModelRequest): ScriptedAnswer {
  const last = request.messages.at(-1)!;
  if (last.role === 'user' && last.content === 'run the slow command') return { toolCalls: [{ name: 'exec', arguments: { command: slowCommand } }] };
  if (last.role === 'tool') return `the command came back: ${String(last.content).slice(0, 200)}`;
  return `heard: ${String(last.content)}`;
}

const model = new FakeModel(script);
const telegram = new FakeTelegram();
await Promise.all([model.start(), telegram.start()]);
const home = mkdtempSync(join(tmpdir(), 'clawflow-recovery-'));
writeFileSync(
  join(home, 'clawflow.json'),
  JSON.stringify({
    channels: { telegram: { apiRoot: telegram.apiRoot, allowFrom: [String(owner.id)], pollTimeoutSeconds: 1 } },
    tools: { exec: { policy: 'full' } },
  }),
  { mode: 0o600 },
);
const temporalPort = await freePort();
const env: NodeJS.ProcessEnv = {
  CLAWFLOW_HOME: home,
  TEMPORAL_ADDRESS: `127.0.0.1:${temporalPort}`,
  CLAWFLOW_RUNTIME_PORT: String(await freePort()),
  CLAWFLOW_MODEL_BASE_URL: model.baseUrl,
  CLAWFLOW_MODEL: 'scripted',
  CLAWFLOW_TELEGRAM_BOT_TOKEN: '123456:BENCH-token',
  CLAWFLOW_WEBCHAT_ENABLED: 'false',
};
const config = loadConfig({ ...process.env, ...env });
const cli = await resolveTemporalCli({ explicitPath: config.temporal.bin, cacheDir: config.paths.cacheDir, onProgress: (m) => console.log(m) });
const httpPort = await freePort();
const startTemporal = (): Promise<DevServer> =>
  startDevServer({
    cli,
    dbFile: join(home, 'temporal.sqlite'),
    ip: '127.0.0.1',
    port: temporalPort,
    httpPort,
    logFile: join(home, 'server.log'),
    pidFile: join(home, 'server.pid'),
  });
const temporalPid = (): number => Number(readFileSync(join(home, 'server.pid'), 'utf8').trim());
/** Kills the Temporal server with SIGKILL and waits until its port is free again. */
async function killTemporal(): Promise<void> {
  process.kill(temporalPid(), 'SIGKILL');
  await until('the Temporal port to close', () => !portOpen(temporalPort), 10_000);
}

type Part = 'runtime' | 'worker' | 'connector';
const ready: Record<Part, RegExp> = { runtime: /agent runtime listening/, worker: /workers running/, connector: /connector running/ };
const parts = new Map<Part, CliProcess>();
const everyProcess: Array<{ part: Part; child: CliProcess }> = [];
async function startPart(part: Part): Promise<void> {
  const child = spawnCli([part], env);
  everyProcess.push({ part, child });
  await child.waitFor(ready[part], 60_000);
  parts.set(part, child);
}
async function killPart(part: Part): Promise<void> {
  const child = parts.get(part)!;
  child.child.kill('SIGKILL');
  await child.exited;
}

const repliesTo = (text: string) => telegram.sent().filter((m) => String(m.text).includes(text));
/** Model calls made for a message (its own turn's, not later turns that carry it as context). */
const asked = (text: string): number => model.requests.filter((r) => r.messages.filter((m) => m.role === 'user').at(-1)?.content === text).length;
/** The lines the slow command left: one per run. */
const commandRuns = (): number => {
  try {
    return readFileSync(join(config.paths.workspaceDir, 'started.txt'), 'utf8').split('\n').filter(Boolean).length;
  } catch {
    return 0;
  }
};
async function until(what: string, test: () => boolean, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!test()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

interface Case {
  name: string;
  message: string;
  /** What its reply contains (by default, the message). */
  reply?: string;
  /** The case's message runs the slow command: it must run once. */
  runsCommand?: boolean;
  /** Sends the message, kills what the case kills at its moment, starts it again; resolves with when it was back up. */
  crash(message: string): Promise<number>;
}

/** Sends `message` with the model held, waits until the model is asked, then runs `kill`. */
async function duringModelCall(message: string, kill: () => Promise<void>): Promise<void> {
  model.hold();
  telegram.userMessage(owner, message);
  await until('the model call', () => asked(message) >= 1);
  await kill();
  model.release();
}

const cases: Case[] = [
  {
    name: 'whole stack kill -9 mid-model-call',
    message: 'whole stack',
    async crash(message) {
      await duringModelCall(message, async () => {
        await Promise.all([killTemporal(), ...(['worker', 'connector', 'runtime'] as const).map(killPart)]);
      });
      await startTemporal();
      await Promise.all([startPart('runtime'), startPart('worker'), startPart('connector')]);
      return performance.now();
    },
  },
  {
    name: 'worker kill -9 mid-model-call',
    message: 'worker mid model',
    async crash(message) {
      await duringModelCall(message, () => killPart('worker'));
      await startPart('worker');
      return performance.now();
    },
  },
  {
    name: 'worker kill -9 mid-command (tools)',
    message: 'run the slow command',
    reply: 'the command came back',
    runsCommand: true,
    async crash(message) {
      rmSync(join(config.paths.workspaceDir, 'started.txt'), { force: true });
      telegram.userMessage(owner, message);
      await until('the command to start', () => commandRuns() >= 1);
      await killPart('worker');
      await startPart('worker');
      return performance.now();
    },
  },
  {
    name: 'connector kill -9 between receipt and ack',
    message: 'connector between receipt and ack',
    async crash(message) {
      const killed = new Promise<void>((resolve) => {
        telegram.onServe = (updates) => {
          if (!updates.some((u) => JSON.stringify(u).includes(message))) return;
          telegram.onServe = null;
          parts.get('connector')!.child.kill('SIGKILL');
          resolve();
        };
      });
      telegram.userMessage(owner, message);
      await killed;
      await parts.get('connector')!.exited;
      await startPart('connector');
      return performance.now();
    },
  },
  {
    name: 'Temporal server kill -9 and restart mid-model-call',
    message: 'temporal restart',
    async crash(message) {
      await duringModelCall(message, killTemporal);
      // Back up when it answers on its port (the workers reconnect before its start-up checks are done).
      const restarted = startTemporal();
      await until('the Temporal port to open', () => portOpen(temporalPort), 60_000);
      const back = performance.now();
      await restarted;
      return back;
    },
  },
];

const failures: string[] = [];
try {
  await startTemporal();
  await Promise.all([startPart('runtime'), startPart('worker'), startPart('connector')]);
  telegram.userMessage(owner, 'warm up');
  await until('the warm-up reply', () => repliesTo('warm up').length > 0);

  console.log('Recovery — time from the failed part being back to the reply delivered (fake Telegram, instant model)');
  for (const c of cases) {
    const back = await c.crash(c.message);
    const reply = c.reply ?? c.message;
    await until(`the reply to "${c.message}"`, () => repliesTo(reply).length > 0);
    const seconds = (performance.now() - back) / 1000;
    // Anything sent twice would show up meanwhile.
    await new Promise((resolve) => setTimeout(resolve, 2000));
    const replies = repliesTo(reply).length;
    const runs = c.runsCommand ? commandRuns() : 0;
    console.log(
      `  ${c.name.padEnd(50)} ${seconds.toFixed(2).padStart(6)} s   model calls ${asked(c.message)}   replies ${replies}${c.runsCommand ? `   command runs ${runs}` : ''}`,
    );
    if (replies !== 1) failures.push(`${c.name}: ${replies} replies delivered (one expected)`);
    if (c.runsCommand && runs !== 1) failures.push(`${c.name}: the command ran ${runs} times (once expected)`);
  }
  for (const failure of failures) console.log(`  ! ${failure}`);
} finally {
  if (values.logs) {
    mkdirSync(values.logs, { recursive: true });
    everyProcess.forEach(({ part, child }, index) => writeFileSync(join(values.logs!, `${index}-${part}.log`), child.output()));
  }
  model.release();
  for (const { child } of everyProcess) child.child.kill('SIGKILL');
  try {
    process.kill(temporalPid(), 'SIGKILL');
  } catch {
    // Already gone.
  }
  await Promise.all([model.stop(), telegram.stop()]);
  rmSync(home, { recursive: true, force: true });
}
process.exit(failures.length ? 1 : 0);
