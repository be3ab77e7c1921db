/**
 * Chaos: conversations over the WebChat and a fake Telegram at a steady rate while a driver SIGKILLs, at random
 * moments, the session worker, the tools worker, the connector, the agent runtime and the Temporal server, starting
 * each again after a random pause. At the end, from what the users saw (the fake Bot API's records, the WebChat's
 * live replies and the conversation it shows) and from the transcripts and Temporal: every message answered exactly
 * once and in order, every transcript complete without duplicates, no session stuck or failed.
 *
 * Everything listens on 127.0.0.1; the traffic is bounded in count and the run in time.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Connection, Client } from '@temporalio/client';
import { loadConfig } from '../../src/config/load.js';
import { webChatOpenUrl } from '../../src/config/secrets.js';
import { resolveTemporalCli } from '../../src/temporal/cli-binary.js';
import { startDevServer } from '../../src/temporal/dev-server.js';
import { JsonlTranscriptStore } from '../../src/transcript/jsonl-store.js';
import { sessionSearchAttributes as sa } from '../../src/workflows/search-attributes.js';
import { FakeModel, type ModelRequest, type ScriptedAnswer } from '../helpers/fake-model.js';
import { FakeTelegram } from '../helpers/fake-telegram.js';
import { freePort, portOpen } from '../helpers/ports.js';
import { spawnCli, type CliProcess } from '../helpers/processes.js';
import { WebChatUser } from './webchat-user.js';

export const partKinds = ['sessions', 'tools', 'connector', 'runtime', 'temporal'] as const;
export type PartKind = (typeof partKinds)[number];

export interface ChaosOptions {
  /** Conversations, half on Telegram and half on the WebChat. */
  conversations: number;
  /** Messages per conversation: each sent once the previous one was answered (a person waiting for the reply). */
  messagesPerConversation: number;
  /** A new conversation starts this often. */
  startEveryMs: number;
  /** Kills at random moments; each part is killed at least once when there are as many kills as parts. */
  kills: number;
  /** How long a killed part stays down: a random pause in this range. */
  downMs: readonly [number, number];
  /** Every this-many-th message asks for a command (the tools worker runs it). */
  toolEvery: number;
  /** Gives up waiting for answers this long after the last kill's part is back. */
  settleMs: number;
  /** Progress lines (kills, restarts) go here. */
  log?: (line: string) => void;
  /** Keeps every process's output in this directory. */
  logsDir?: string;
}

export interface ChaosReport {
  messages: number;
  answered: number;
  duplicates: number;
  lost: number;
  outOfOrder: number;
  /** Transcripts: messages missing, written twice, or without an answer after them. */
  transcriptProblems: string[];
  /** Sessions failed, terminated, or still "running" a turn at the end. */
  stuckOrFailed: string[];
  kills: Record<PartKind, number>;
  /** The longest time from a killed part being back to the last message it had in flight being answered (ms). */
  longestRecoveryMs: number;
  /** The same, by the kind of part killed. */
  recoveryByKind: Record<PartKind, number>;
  /** The longest any message waited for its answer (ms). */
  longestWaitMs: number;
  seconds: number;
  /** Details of each loss or duplicate, for the log. */
  problems: string[];
}

export const passed = (report: ChaosReport): boolean =>
  report.lost === 0 && report.duplicates === 0 && report.outOfOrder === 0 && report.transcriptProblems.length === 0 && report.stuckOrFailed.length === 0;

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const between = ([low, high]: readonly [number, number]): number => low + Math.random() * (high - low);

/** The words a user's message is known by in every record: unique, and no marker is a prefix of another. */
const markerOf = (conversation: number, message: number): string => `[c${conversation}.m${message}]`;

/** The model: thinks 0–40 ms, answers with the user's last message; a message with `#cmd` first runs a command. */
function script(request: ModelRequest): ScriptedAnswer {
  const user = request.messages.filter((m) => m.role === 'user').at(-1)?.content ?? '';
  const marker = /\[c\d+\.m\d+\]/.exec(user)?.[0] ?? user;
  const last = request.messages.at(-1)!;
  if (last.role === 'user' && user.includes('#cmd')) return { toolCalls: [{ name: 'exec', arguments: { command: `echo ran ${marker}` } }] };
  if (last.role === 'tool') return `done ${marker}: ${String(last.content).slice(0, 80)}`;
  return `heard ${marker}`;
}

interface Sent {
  conversation: number;
  index: number;
  marker: string;
  sentAt: number;
  answeredAt: number | null;
}

/** Runs the chaos and returns what it saw; the stack it started is gone when it resolves. */
export async function runChaos(options: ChaosOptions): Promise<ChaosReport> {
  const log = options.log ?? (() => undefined);
  const model = new FakeModel(script);
  model.latencyMs = () => Math.random() * 40;
  const telegram = new FakeTelegram();
  await Promise.all([model.start(), telegram.start()]);
  const home = mkdtempSync(join(tmpdir(), 'clawflow-chaos-'));
  const telegramUsers = Array.from({ length: Math.ceil(options.conversations / 2) }, (_, i) => ({ id: 810_000 + i, first_name: `User${i}` }));
  writeFileSync(
    join(home, 'clawflow.json'),
    JSON.stringify({
      channels: { telegram: { apiRoot: telegram.apiRoot, allowFrom: telegramUsers.map((u) => String(u.id)), pollTimeoutSeconds: 1 }, webchat: { enabled: true } },
      tools: { exec: { policy: 'full' } },
      // Every conversation stays in the sessions worker's cache: replay is not what this measures.
      session: { maxCached: options.conversations + 10 },
    }),
    { mode: 0o600 },
  );
  const temporalPort = await freePort();
  const webchatPort = await freePort();
  const env: NodeJS.ProcessEnv = {
    CLAWFLOW_HOME: home,
    TEMPORAL_ADDRESS: `127.0.0.1:${temporalPort}`,
    CLAWFLOW_RUNTIME_PORT: String(await freePort()),
    CLAWFLOW_WEBCHAT_PORT: String(webchatPort),
    CLAWFLOW_PREVIEW_PORT: String(await freePort()),
    CLAWFLOW_API_PORT: String(await freePort()),
    CLAWFLOW_MODEL_BASE_URL: model.baseUrl,
    CLAWFLOW_MODEL: 'scripted',
    CLAWFLOW_TELEGRAM_BOT_TOKEN: '123456:CHAOS-token',
    // A dead tools worker or connector is noticed this soon (the heartbeat timeout of its activities).
    CLAWFLOW_AGENT_HEARTBEAT_TIMEOUT_SECONDS: '2',
  };
  const config = loadConfig({ ...process.env, ...env });
  const cli = await resolveTemporalCli({ explicitPath: config.temporal.bin, cacheDir: config.paths.cacheDir, onProgress: log });
  const httpPort = await freePort();
  const pidFile = join(home, 'server.pid');
  const startTemporal = () =>
    startDevServer({ cli, dbFile: join(home, 'temporal.sqlite'), ip: '127.0.0.1', port: temporalPort, httpPort, logFile: join(home, 'server.log'), pidFile, readyTimeoutMs: 60_000 });

  const commands: Record<Exclude<PartKind, 'temporal'>, { args: string[]; ready: RegExp }> = {
    sessions: { args: ['worker', '--queues', 'sessions,agent'], ready: /workers running/ },
    tools: { args: ['worker', '--queues', 'tools'], ready: /workers running/ },
    connector: { args: ['connector'], ready: /connector running/ },
    runtime: { args: ['runtime'], ready: /agent runtime listening/ },
  };
  const running = new Map<PartKind, CliProcess>();
  const everyProcess: Array<{ part: PartKind; child: CliProcess }> = [];
  const startPart = async (part: PartKind): Promise<void> => {
    if (part === 'temporal') {
      await startTemporal();
      return;
    }
    const child = spawnCli(commands[part].args, env);
    everyProcess.push({ part, child });
    running.set(part, child);
    await child.waitFor(commands[part].ready, 120_000);
  };
  const killPart = async (part: PartKind): Promise<void> => {
    if (part === 'temporal') {
      process.kill(Number(readFileSync(pidFile, 'utf8').trim()), 'SIGKILL');
      const deadline = Date.now() + 10_000;
      while (portOpen(temporalPort) && Date.now() < deadline) await sleep(20);
      return;
    }
    const child = running.get(part)!;
    child.child.kill('SIGKILL');
    await child.exited;
  };

  const sent: Sent[] = [];
  const kills = Object.fromEntries(partKinds.map((k) => [k, 0])) as Record<PartKind, number>;
  const recoveries: Array<{ part: PartKind; back: number; waiting: Sent[] }> = [];
  /** When each kill happened (Date.now()), to place a duplicate among them. */
  const killedAt: Array<{ part: PartKind; at: number }> = [];
  const webchatUsers: WebChatUser[] = [];
  let telegramReader: NodeJS.Timeout | undefined;
  const started = performance.now();
  let stopping = false;
  try {
    await startTemporal();
    await Promise.all((['runtime', 'sessions', 'tools', 'connector'] as const).map(startPart));
    log(`stack up in ${((performance.now() - started) / 1000).toFixed(1)} s; ${options.conversations} conversations × ${options.messagesPerConversation} messages, ${options.kills} kills`);

    const origin = `http://127.0.0.1:${webchatPort}`;
    const openUrl = webChatOpenUrl(config);
    // What the Bot API has shown each chat, read once a tick for everyone waiting (not once per person: the record
    // grows to thousands of calls, and this process shares the two cores with the stack it measures).
    const shownOnTelegram = new Set<string>();
    telegramReader = setInterval(() => {
      for (const m of telegram.sent()) for (const [marker] of String(m.text).matchAll(/\[c\d+\.m\d+\]/g)) shownOnTelegram.add(`${String(m.chat_id)} ${marker}`);
    }, 25);
    const answeredOnTelegram = (chatId: number, marker: string): boolean => shownOnTelegram.has(`${chatId} ${marker}`);

    /** One person: a message, its answer, the next message. */
    const converse = async (conversation: number): Promise<void> => {
      const onTelegram = conversation % 2 === 0;
      const user = onTelegram ? telegramUsers[conversation / 2]! : null;
      const webchat = onTelegram ? null : new WebChatUser(openUrl, origin);
      if (webchat) {
        webchatUsers.push(webchat);
        await webchat.start();
      }
      for (let index = 0; index < options.messagesPerConversation && !stopping; index++) {
        const marker = markerOf(conversation, index);
        const n = sent.length + 1;
        const text = `${n % options.toolEvery === 0 ? '#cmd ' : ''}message ${marker}`;
        const record: Sent = { conversation, index, marker, sentAt: performance.now(), answeredAt: null };
        sent.push(record);
        if (user) telegram.userMessage(user, text);
        else webchat!.send(`chaos-${conversation}-${index}`, text);
        const isAnswered = (): boolean => (user ? answeredOnTelegram(user.id, marker) : webchat!.answered(marker));
        while (!isAnswered() && !stopping) await (webchat ? Promise.race([webchat.changed(), sleep(100)]) : sleep(25));
        if (!isAnswered()) return;
        record.answeredAt = performance.now();
        await sleep(100 + Math.random() * 400);
      }
    };

    const driver = async (traffic: Promise<unknown>): Promise<void> => {
      // Kills spread over the time the conversations take to start, in an order that gives every part its turn.
      const order = Array.from({ length: options.kills }, (_, i) => partKinds[i % partKinds.length]!).sort(() => Math.random() - 0.5);
      const span = options.conversations * options.startEveryMs;
      for (const part of order) {
        await sleep(between([span / options.kills / 2, (span / options.kills) * 1.2]));
        const waiting = sent.filter((s) => s.answeredAt === null);
        log(`kill -9 ${part} (${waiting.length} message(s) waiting)`);
        killedAt.push({ part, at: Date.now() });
        await killPart(part);
        kills[part] += 1;
        await sleep(between(options.downMs));
        await startPart(part);
        recoveries.push({ part, back: performance.now(), waiting });
        log(`${part} back`);
      }
      await traffic;
    };

    const traffic = (async () => {
      const people: Array<Promise<void>> = [];
      for (let c = 0; c < options.conversations; c++) {
        people.push(converse(c));
        await sleep(options.startEveryMs);
      }
      await Promise.all(people);
    })();
    const settled = driver(traffic);
    // Bounded: whatever is unanswered this long after the last restart counts as lost.
    await Promise.race([
      settled,
      (async () => {
        while (recoveries.length < options.kills) await sleep(200);
        await sleep(options.settleMs);
      })(),
    ]);
    stopping = true;
    await Promise.race([settled, sleep(5000)]);
    // Anything sent twice shows up meanwhile.
    await sleep(3000);

    return await judge();
  } finally {
    stopping = true;
    clearInterval(telegramReader);
    for (const user of webchatUsers) user.close();
    if (options.logsDir) {
      mkdirSync(options.logsDir, { recursive: true });
      everyProcess.forEach(({ part, child }, index) => writeFileSync(join(options.logsDir!, `${index}-${part}.log`), child.output()));
    }
    for (const { child } of everyProcess) child.child.kill('SIGKILL');
    try {
      process.kill(Number(readFileSync(pidFile, 'utf8').trim()), 'SIGKILL');
    } catch {
      // Already gone.
    }
    await Promise.all([model.stop(), telegram.stop()]);
    rmSync(home, { recursive: true, force: true });
  }

  async function judge(): Promise<ChaosReport> {
    const problems: string[] = [];
    let duplicates = 0;
    let outOfOrder = 0;
    // What each person saw: how many answers carried each message's marker, and in what order they came.
    await Promise.all(webchatUsers.map((user) => user.reload()));
    const byConversation = new Map<number, Sent[]>();
    for (const s of sent) byConversation.set(s.conversation, [...(byConversation.get(s.conversation) ?? []), s]);
    for (const [conversation, messages] of byConversation) {
      // Telegram: the bot's messages in the chat. WebChat: the conversation the page shows after a reload (its record),
      // and the replies that arrived live, which must not repeat either.
      const webchat = conversation % 2 === 1 ? webchatUsers[Math.floor(conversation / 2)]! : null;
      const seen = webchat
        ? webchat.history.filter((e) => e.role === 'assistant').map((e) => e.text)
        : telegram
            .sent()
            .filter((m) => String(m.chat_id) === String(telegramUsers[conversation / 2]!.id))
            .map((m) => String(m.text));
      let last = -1;
      for (const message of messages) {
        const live = webchat ? webchat.replies.filter((text) => text.includes(message.marker)).length : 0;
        const count = Math.max(live, seen.filter((text) => text.includes(message.marker)).length);
        if (count > 1) {
          duplicates += count - 1;
          // What the platform got for it, and the kills around it: enough to tell a retried send from a lost preview.
          const calls = webchat
            ? []
            : telegram.calls.filter((c) => String(c.params.chat_id) === String(telegramUsers[conversation / 2]!.id) && String(c.params.text ?? '').includes(message.marker));
          const from = Math.min(...calls.map((c) => c.at ?? 0));
          const around = killedAt.filter((k) => Math.abs(k.at - from) < 15_000).map((k) => `${k.part} kill -9 at ${k.at - from} ms`);
          problems.push(
            `${message.marker} answered ${count} times${webchat ? ` (live ${live})` : `: ${calls.map((c) => `${c.method}${c.params.message_id ? ` #${String(c.params.message_id)}` : ''} at ${(c.at ?? 0) - from} ms`).join(', ')}; ${around.join(', ') || 'no kill within 15 s'}`}`,
          );
        }
        const position = seen.findIndex((text) => text.includes(message.marker));
        if (position !== -1 && position < last) {
          outOfOrder += 1;
          problems.push(`${message.marker} answered before an earlier message`);
        }
        if (position !== -1) last = position;
      }
    }
    const lostMessages = sent.filter((s) => s.answeredAt === null);
    for (const s of lostMessages) problems.push(`${s.marker} never answered`);

    // The transcripts: each message once, followed by its answer.
    const transcriptProblems: string[] = [];
    const store = new JsonlTranscriptStore(config.paths.transcriptsDir);
    const entries = (await Promise.all((await store.sessionKeys()).map((key) => store.read(key)))).flatMap((e) => e ?? []);
    for (const s of sent.filter((x) => x.answeredAt !== null)) {
      const users = entries.filter((e) => e.role === 'user' && e.text.includes(s.marker));
      const answers = entries.filter((e) => e.role === 'assistant' && e.text.includes(s.marker));
      if (users.length !== 1) transcriptProblems.push(`${s.marker} is in the transcript ${users.length} times`);
      if (answers.length !== 1) transcriptProblems.push(`${s.marker} has ${answers.length} answers in the transcript`);
    }

    // Temporal: nothing failed or terminated, no session left in a turn.
    const stuckOrFailed: string[] = [];
    const connection = await Connection.connect({ address: `127.0.0.1:${temporalPort}` });
    try {
      const client = new Client({ connection, namespace: config.temporal.namespace });
      for await (const w of client.workflow.list({ query: 'ExecutionStatus="Failed" OR ExecutionStatus="Terminated" OR ExecutionStatus="TimedOut"' })) {
        stuckOrFailed.push(`${w.workflowId}: ${w.status.name}`);
      }
      for await (const w of client.workflow.list({ query: `ExecutionStatus="Running" AND ${sa.status.name}="running"` })) {
        stuckOrFailed.push(`${w.workflowId}: still in a turn`);
      }
    } finally {
      await connection.close();
    }

    const waits = sent.flatMap((s) => (s.answeredAt === null ? [] : [s.answeredAt - s.sentAt]));
    const recoveryOf = (r: (typeof recoveries)[number]): number => Math.max(0, ...r.waiting.map((s) => (s.answeredAt ?? r.back) - r.back));
    const longestRecoveryMs = Math.max(0, ...recoveries.map(recoveryOf));
    const recoveryByKind = Object.fromEntries(partKinds.map((k) => [k, Math.max(0, ...recoveries.filter((r) => r.part === k).map(recoveryOf))])) as Record<PartKind, number>;
    return {
      messages: sent.length,
      answered: sent.length - lostMessages.length,
      duplicates,
      lost: lostMessages.length,
      outOfOrder,
      transcriptProblems,
      stuckOrFailed,
      kills,
      longestRecoveryMs,
      recoveryByKind,
      longestWaitMs: Math.max(0, ...waits),
      seconds: (performance.now() - started) / 1000,
      problems,
    };
  }
}

/** The report as `npm run chaos` prints it. */
export function formatReport(report: ChaosReport): string {
  const kills = partKinds.map((k) => `${k} ${report.kills[k]}`).join(', ');
  return [
    `messages      ${report.messages}`,
    `answered      ${report.answered}`,
    `duplicates    ${report.duplicates}`,
    `lost          ${report.lost}`,
    `out of order  ${report.outOfOrder}`,
    `transcripts   ${report.transcriptProblems.length ? report.transcriptProblems.length + ' problem(s)' : 'complete, no duplicates'}`,
    `sessions      ${report.stuckOrFailed.length ? report.stuckOrFailed.length + ' stuck or failed' : 'none stuck or failed'}`,
    `kills         ${kills}`,
    `longest recovery ${(report.longestRecoveryMs / 1000).toFixed(1)} s (a part back → the last message it had in flight answered): ${partKinds.map((k) => `${k} ${(report.recoveryByKind[k] / 1000).toFixed(1)} s`).join(', ')}`,
    `longest wait  ${(report.longestWaitMs / 1000).toFixed(1)} s (a message sent → answered)`,
    `run           ${report.seconds.toFixed(0)} s`,
    ...[...report.problems, ...report.transcriptProblems, ...report.stuckOrFailed].slice(0, 30).map((p) => `  ! ${p}`),
  ].join('\n');
}
