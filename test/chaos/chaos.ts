/**
 * Chaos: conversations over the WebChat and a fake Telegram at a steady rate while a driver SIGKILLs the session
 * worker, the tools worker, the connector, the agent runtime and the Temporal server, starting each again after a
 * pause. Each part is killed once on an event that puts work in its hands (a model call held, a command running, a
 * reply half delivered) — the run checks that the work was there — and the rest of the kills land at random moments.
 * Every random choice comes from a seed, printed at the start, so a failing schedule can be run again.
 *
 * At the end, from what the users saw (the fake Bot API's records, the WebChat's live replies and the conversation it
 * shows), the commands' own record of their runs, the transcripts and Temporal: every message answered exactly once
 * and in order, every command run at most once and answered with its outcome, every transcript complete without
 * duplicates, no session stuck or failed, and each kind of part back at work within its recovery bound.
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
import { freshSeed, seededRandom } from '../helpers/seeded-random.js';
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
  /** Kills at random moments, each kind in turn; besides these, each part is killed once on its event. */
  kills: number;
  /** The schedule's seed (kill order, moments, pauses, the model's thinking time); a fresh one when not given. */
  seed?: number;
  /**
   * The longest a kind of part may take from being back to the last message it had in flight answered (ms): the run
   * fails beyond it.
   */
  recoveryBoundMs: Record<PartKind, number>;
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

/** A kill on an event, and the work it found in the killed part's hands (null: there was none, and the run fails). */
export interface EventKill {
  part: PartKind;
  event: string;
  inFlight: string | null;
}

export interface ChaosReport {
  seed: number;
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
  eventKills: EventKill[];
  /** Commands run more than once, or answered without their outcome although no kill cut them short. */
  commandProblems: string[];
  /** Kinds of part whose recovery took longer than their bound. */
  slowRecoveries: string[];
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

/**
 * How long each kind of part may take to recover with this many conversations on the 2-core machine: what the runs
 * measured (see the README), with room for a slow moment. Everything waits in line behind everyone else, so the bound
 * grows with the conversations.
 */
export function chaosRecoveryBoundMs(conversations: number): Record<PartKind, number> {
  // 200 conversations, 2026-12-07: 68–96 s by kind (everyone waits in line); 16: 0–6 s.
  const queue = conversations * 600;
  return { sessions: 15_000 + queue, tools: 15_000 + queue, connector: 10_000 + queue, runtime: 10_000 + queue, temporal: 15_000 + queue };
}

export const passed = (report: ChaosReport): boolean =>
  report.lost === 0 &&
  report.duplicates === 0 &&
  report.outOfOrder === 0 &&
  report.transcriptProblems.length === 0 &&
  report.stuckOrFailed.length === 0 &&
  report.commandProblems.length === 0 &&
  report.slowRecoveries.length === 0 &&
  report.eventKills.every((k) => k.inFlight !== null);

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Where the commands write down that they ran (in the agent's workspace): one line per run, with the marker. */
const runsFile = '.chaos-runs';
/** A marker without its brackets: what the second part of a long reply carries, so it is counted apart. */
const secondPartTag = (marker: string): string => `end of ${marker.slice(1, -1)} part 2`;
/** Two paragraphs of ≈3,000 characters: Telegram (4,096 at most) gets it as two messages. */
const paragraph = 'Every message is answered once. '.repeat(95);

/** The words a user's message is known by in every record: unique, and no marker is a prefix of another. */
const markerOf = (conversation: number, message: number): string => `[c${conversation}.m${message}]`;

/**
 * The model answers with the user's last message's marker. `#cmd` first runs a command that writes its run down
 * (`#probe`: a command that takes a second, for a kill to land in); the answer to a command says whether its output
 * came back (`ran`) or what the tool said instead. `#long` gets a reply of two messages on Telegram.
 */
function script(request: ModelRequest): ScriptedAnswer {
  const user = request.messages.filter((m) => m.role === 'user').at(-1)?.content ?? '';
  const marker = /\[c\d+\.m\d+\]/.exec(user)?.[0] ?? user;
  const last = request.messages.at(-1)!;
  if (last.role === 'user' && user.includes('#cmd')) {
    const pause = user.includes('#probe') ? 'sleep 1; ' : '';
    return { toolCalls: [{ name: 'exec', arguments: { command: `echo '${marker}' >> ${runsFile}; ${pause}echo ran '${marker}'` } }] };
  }
  if (last.role === 'tool') {
    const output = String(last.content);
    return output.includes(`ran ${marker}`) ? `done ${marker}: ran` : `done ${marker}: not run: ${output.slice(0, 120)}`;
  }
  if (user.includes('#long')) return `heard ${marker} ${paragraph}\n\n${secondPartTag(marker)} ${paragraph}`;
  return `heard ${marker}`;
}

interface Sent {
  conversation: number;
  index: number;
  marker: string;
  text: string;
  sentAt: number;
  answeredAt: number | null;
}

/** Runs the chaos and returns what it saw; the stack it started is gone when it resolves. */
export async function runChaos(options: ChaosOptions): Promise<ChaosReport> {
  const log = options.log ?? (() => undefined);
  const seed = options.seed ?? freshSeed();
  const random = seededRandom(seed);
  log(`seed ${seed} (the same schedule again: --seed ${seed})`);
  const model = new FakeModel(script);
  model.latencyMs = () => random.next() * 40;
  const telegram = new FakeTelegram();
  await Promise.all([model.start(), telegram.start()]);
  const home = mkdtempSync(join(tmpdir(), 'clawflow-chaos-'));
  // Conversation n is on Telegram when n is even, in the WebChat when odd; the last Telegram user is the driver's
  // own, who sends the messages that make the events its kills wait for.
  const telegramUsers = Array.from({ length: Math.ceil(options.conversations / 2) + 1 }, (_, i) => ({ id: 810_000 + i, first_name: `User${i}` }));
  const prober = { conversation: options.conversations + (options.conversations % 2), user: telegramUsers.at(-1)! };
  writeFileSync(
    join(home, 'clawflow.json'),
    JSON.stringify({
      channels: {
        telegram: { apiRoot: telegram.apiRoot, allowFrom: telegramUsers.map((u) => String(u.id)), pollTimeoutSeconds: 1 },
        webchat: { enabled: true },
      },
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
    startDevServer({
      cli,
      dbFile: join(home, 'temporal.sqlite'),
      ip: '127.0.0.1',
      port: temporalPort,
      httpPort,
      logFile: join(home, 'server.log'),
      pidFile,
      readyTimeoutMs: 60_000,
    });

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
  /** The markers of every command run so far, one per run. */
  const commandRuns = (): string[] => {
    try {
      return readFileSync(join(config.paths.workspaceDir, runsFile), 'utf8').split('\n').filter(Boolean);
    } catch {
      return [];
    }
  };

  const sent: Sent[] = [];
  const kills = Object.fromEntries(partKinds.map((k) => [k, 0])) as Record<PartKind, number>;
  const eventKills: EventKill[] = [];
  const recoveries: Array<{ part: PartKind; back: number; waiting: Sent[] }> = [];
  /** When each kill happened (Date.now() and performance.now()), to place a duplicate or a cut-short command. */
  const killedAt: Array<{ part: PartKind; at: number; now: number }> = [];
  const webchatUsers = new Map<number, WebChatUser>();
  let telegramReader: NodeJS.Timeout | undefined;
  const started = performance.now();
  let stopping = false;
  try {
    await startTemporal();
    await Promise.all((['runtime', 'sessions', 'tools', 'connector'] as const).map(startPart));
    log(
      `stack up in ${((performance.now() - started) / 1000).toFixed(1)} s; ${options.conversations} conversations × ${options.messagesPerConversation} messages, ${options.kills} kills at random and ${partKinds.length} on events`,
    );

    const origin = `http://127.0.0.1:${webchatPort}`;
    const openUrl = webChatOpenUrl(config);
    // What the Bot API has shown each chat, read once a tick for everyone waiting (not once per person: the record
    // grows to thousands of calls, and this process shares the two cores with the stack it measures).
    const shownOnTelegram = new Set<string>();
    telegramReader = setInterval(() => {
      for (const m of telegram.sent()) for (const [marker] of String(m.text).matchAll(/\[c\d+\.m\d+\]/g)) shownOnTelegram.add(`${String(m.chat_id)} ${marker}`);
    }, 25);
    const answeredOnTelegram = (chatId: number, marker: string): boolean => shownOnTelegram.has(`${chatId} ${marker}`);

    /** Sends one message and waits for its answer (false: the run stopped first). */
    const exchange = async (conversation: number, index: number, text: string): Promise<boolean> => {
      const marker = markerOf(conversation, index);
      const record: Sent = { conversation, index, marker, text: `${text} ${marker}`, sentAt: performance.now(), answeredAt: null };
      sent.push(record);
      const user = conversation === prober.conversation ? prober.user : conversation % 2 === 0 ? telegramUsers[conversation / 2]! : null;
      const webchat = webchatUsers.get(conversation);
      if (user) telegram.userMessage(user, record.text);
      else webchat!.send(`chaos-${conversation}-${index}`, record.text);
      const isAnswered = (): boolean => (user ? answeredOnTelegram(user.id, marker) : webchat!.answered(marker));
      while (!isAnswered() && !stopping) await (webchat ? Promise.race([webchat.changed(), sleep(100)]) : sleep(25));
      if (!isAnswered()) return false;
      record.answeredAt = performance.now();
      return true;
    };

    /** One person: a message, its answer, the next message. */
    const converse = async (conversation: number): Promise<void> => {
      if (conversation % 2 === 1) {
        const webchat = new WebChatUser(openUrl, origin);
        webchatUsers.set(conversation, webchat);
        await webchat.start();
      }
      for (let index = 0; index < options.messagesPerConversation && !stopping; index++) {
        const n = sent.length + 1;
        if (!(await exchange(conversation, index, `${n % options.toolEvery === 0 ? '#cmd ' : ''}message`))) return;
        await sleep(100 + random.next() * 400);
      }
    };

    let probes = 0;
    /** The driver's own messages, each until answered: the run waits for them as for everyone's. */
    const probeExchanges: Array<Promise<boolean>> = [];
    /** Waits for `ready` (a held call, a running command…), at most 30 s; what it saw, or null. */
    const waitFor = async (ready: () => string | null): Promise<string | null> => {
      const deadline = Date.now() + 30_000;
      for (let seen = ready(); Date.now() < deadline; seen = ready()) {
        if (seen) return seen;
        await sleep(5);
      }
      return null;
    };
    /**
     * Puts work in a part's hands with a message of the driver's own, kills the part while the work is there, and says
     * what work it was (null when it never came).
     */
    const killOnEvent = async (part: PartKind): Promise<EventKill> => {
      const index = probes++;
      const marker = markerOf(prober.conversation, index);
      const probeRequest = (r: ModelRequest) => r.messages.at(-1)?.role === 'user' && String(r.messages.at(-1)?.content).includes(marker);
      let event: string;
      let inFlight: string | null;
      if (part === 'tools') {
        event = 'a command running';
        probeExchanges.push(exchange(prober.conversation, index, '#cmd #probe message'));
        inFlight = await waitFor(() =>
          commandRuns().includes(marker) && !answeredOnTelegram(prober.user.id, marker) ? `the command for ${marker} had started and not finished` : null,
        );
      } else if (part === 'connector') {
        event = 'a reply half delivered';
        telegram.stallWhen = (method, params) => method === 'sendMessage' && String(params.text).startsWith(secondPartTag(marker));
        probeExchanges.push(exchange(prober.conversation, index, '#long message'));
        inFlight = await waitFor(() =>
          telegram.stalled.some((c) => String(c.params.text).startsWith(secondPartTag(marker))) && answeredOnTelegram(prober.user.id, marker)
            ? `${marker}'s first part was delivered, its second on the way`
            : null,
        );
      } else {
        event = 'a model call held';
        model.holdWhen = probeRequest;
        probeExchanges.push(exchange(prober.conversation, index, 'message'));
        inFlight = await waitFor(() => (model.heldCount > 0 && model.requests.some(probeRequest) ? `the model call for ${marker} was waiting` : null));
      }
      log(`kill -9 ${part} on ${event}${inFlight ? '' : ' — which never came'}`);
      await killAndRestart(part, () => {
        telegram.stallWhen = null;
        model.release();
      });
      return { part, event, inFlight };
    };

    /** Kills a part, lets go of whatever the fakes held for it, and starts it again after a pause from the seed. */
    const killAndRestart = async (part: PartKind, afterKill: () => void = () => undefined): Promise<void> => {
      const waiting = sent.filter((s) => s.answeredAt === null);
      killedAt.push({ part, at: Date.now(), now: performance.now() });
      await killPart(part);
      kills[part] += 1;
      afterKill();
      await sleep(random.between(options.downMs));
      await startPart(part);
      recoveries.push({ part, back: performance.now(), waiting });
      log(`${part} back`);
    };
    const killAtRandom = async (part: PartKind): Promise<void> => {
      log(`kill -9 ${part} (${sent.filter((s) => s.answeredAt === null).length} message(s) waiting)`);
      await killAndRestart(part);
    };

    const totalKills = options.kills + partKinds.length;
    const driver = async (traffic: Promise<unknown>): Promise<void> => {
      // Every part once on its event, the rest at random moments, each kind in turn; spread over the time the
      // conversations take to start, in an order drawn from the seed.
      const plan = random.shuffle([
        ...partKinds.map((part) => ({ part, onEvent: true })),
        ...Array.from({ length: options.kills }, (_, i) => ({ part: partKinds[i % partKinds.length]!, onEvent: false })),
      ]);
      const span = options.conversations * options.startEveryMs;
      for (const { part, onEvent } of plan) {
        await sleep(random.between([span / totalKills / 2, (span / totalKills) * 1.2]));
        if (onEvent) eventKills.push(await killOnEvent(part));
        else await killAtRandom(part);
      }
      await Promise.all([traffic, ...probeExchanges]);
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
        while (recoveries.length < totalKills) await sleep(200);
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
    for (const user of webchatUsers.values()) user.close();
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
    await Promise.all([...webchatUsers.values()].map((user) => user.reload()));
    const byConversation = new Map<number, Sent[]>();
    for (const s of sent) byConversation.set(s.conversation, [...(byConversation.get(s.conversation) ?? []), s]);
    for (const [conversation, messages] of byConversation) {
      // Telegram: the bot's messages in the chat. WebChat: the conversation the page shows after a reload (its record),
      // and the replies that arrived live, which must not repeat either.
      const webchat = webchatUsers.get(conversation) ?? null;
      const chatId = conversation === prober.conversation ? prober.user.id : webchat ? null : telegramUsers[conversation / 2]!.id;
      const seen = webchat
        ? webchat.history.filter((e) => e.role === 'assistant').map((e) => e.text)
        : telegram
            .sent()
            .filter((m) => String(m.chat_id) === String(chatId))
            .map((m) => String(m.text));
      let last = -1;
      for (const message of messages) {
        // A long reply's second part is a message of its own, counted apart: each must be there once.
        const shownParts = message.text.includes('#long') ? [message.marker, secondPartTag(message.marker)] : [message.marker];
        for (const shown of shownParts) {
          const live = webchat ? webchat.replies.filter((text) => text.includes(shown)).length : 0;
          const count = Math.max(live, seen.filter((text) => text.includes(shown)).length);
          if (count > 1) {
            duplicates += count - 1;
            // What the platform got for it, and the kills around it: enough to tell a retried send from a lost preview.
            const calls = webchat
              ? []
              : telegram.calls.filter((c) => String(c.params.chat_id) === String(chatId) && String(c.params.text ?? '').includes(shown));
            const liveAt = webchat ? webchat.replyTimes.filter((_, i) => webchat.replies[i]!.includes(shown)) : [];
            const from = Math.min(...calls.map((c) => c.at ?? 0), ...liveAt);
            const around = killedAt.filter((k) => Math.abs(k.at - from) < 15_000).map((k) => `${k.part} kill -9 at ${k.at - from} ms`);
            const sockets = webchat
              ? webchat.socketEvents.filter((e) => Math.abs(e.at - from) < 15_000).map((e) => `socket ${e.event} at ${e.at - from} ms`)
              : [];
            const shownAt = webchat
              ? liveAt.map((at) => `reply at ${at - from} ms`)
              : calls.map((c) => `${c.method}${c.params.message_id ? ` #${String(c.params.message_id)}` : ''} at ${(c.at ?? 0) - from} ms`);
            problems.push(
              `${shown} answered ${count} times${webchat ? ` (live ${live})` : ''}: ${[...shownAt, ...sockets].join(', ')}; ${around.join(', ') || 'no kill within 15 s'}`,
            );
          }
          if (message.answeredAt !== null && count === 0) problems.push(`${shown} never shown although its first part was`);
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

    // Commands: each run at most once (the runs file has a line per run), and answered with its output unless a kill
    // of the tools worker cut it short.
    const commandProblems: string[] = [];
    const runs = commandRuns();
    const answerOf = (s: Sent): string | undefined => {
      const webchat = webchatUsers.get(s.conversation);
      if (webchat) return webchat.history.find((e) => e.role === 'assistant' && e.text.includes(s.marker))?.text;
      return telegram.sent().find((m) => String(m.text).includes(s.marker))?.text as string | undefined;
    };
    for (const s of sent.filter((x) => x.text.includes('#cmd'))) {
      const times = runs.filter((marker) => marker === s.marker).length;
      if (times > 1) commandProblems.push(`${s.marker}'s command ran ${times} times`);
      const answer = answerOf(s);
      // The tools worker killed while it ran, or the server down when it finished: the model was told the command
      // did not finish, rightly.
      const cutShort = killedAt.some(
        (k) => (k.part === 'tools' || k.part === 'temporal') && k.now > s.sentAt && (s.answeredAt === null || k.now < s.answeredAt),
      );
      if (answer && !answer.includes(`done ${s.marker}: ran`) && !cutShort)
        commandProblems.push(`${s.marker}'s command was not run though no kill cut it short: ${answer.slice(0, 160)}`);
    }

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
    const recoveryByKind = Object.fromEntries(partKinds.map((k) => [k, Math.max(0, ...recoveries.filter((r) => r.part === k).map(recoveryOf))])) as Record<
      PartKind,
      number
    >;
    const slowRecoveries = partKinds
      .filter((k) => recoveryByKind[k] > options.recoveryBoundMs[k])
      .map((k) => `${k}: ${(recoveryByKind[k] / 1000).toFixed(1)} s to recover, over its ${(options.recoveryBoundMs[k] / 1000).toFixed(0)} s bound`);
    return {
      seed,
      messages: sent.length,
      answered: sent.length - lostMessages.length,
      duplicates,
      lost: lostMessages.length,
      outOfOrder,
      transcriptProblems,
      stuckOrFailed,
      kills,
      eventKills,
      commandProblems,
      slowRecoveries,
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
    `seed          ${report.seed}`,
    `kills         ${kills} (${report.eventKills.map((k) => `${k.part} on ${k.event}: ${k.inFlight ?? 'NOTHING IN FLIGHT'}`).join('; ')})`,
    `commands      ${report.commandProblems.length ? report.commandProblems.length + ' problem(s)' : 'each run at most once, answered with its outcome'}`,
    `longest recovery ${(report.longestRecoveryMs / 1000).toFixed(1)} s (a part back → the last message it had in flight answered): ${partKinds.map((k) => `${k} ${(report.recoveryByKind[k] / 1000).toFixed(1)} s`).join(', ')}`,
    `longest wait  ${(report.longestWaitMs / 1000).toFixed(1)} s (a message sent → answered)`,
    `run           ${report.seconds.toFixed(0)} s`,
    ...[...report.problems, ...report.commandProblems, ...report.slowRecoveries, ...report.transcriptProblems, ...report.stuckOrFailed]
      .slice(0, 30)
      .map((p) => `  ! ${p}`),
  ].join('\n');
}
