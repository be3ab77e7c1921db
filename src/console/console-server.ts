import { createHmac } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { z } from 'zod';
import type {
  ConsoleActionResult,
  ConsoleApprovalAnswer,
  ConsoleChannel,
  ConsoleCheck,
  ConsoleConfig,
  ConsoleConfigSave,
  ConsoleFeed,
  ConsoleJobChange,
  ConsoleLogs,
  ConsoleNewJob,
  ConsoleOwnerMessage,
  ConsolePairingAnswer,
  ConsoleSchedules,
  ConsoleSessionDetail,
  ConsoleStopTurn,
  ConsoleUsage,
} from '../contracts/console-feed.js';
import { describeZodError } from '../contracts/zod-issues.js';
import { answerJson } from '../http/answer-json.js';
import { cookieOf } from '../http/cookies.js';
import { listen, type ListeningServer } from '../http/listen.js';
import { BodyError, readJsonBody } from '../http/read-json-body.js';
import { drain, guardRequest, type GuardPolicy } from '../http/request-guard.js';
import { sameSecret } from '../http/same-secret.js';
import type { LogRing } from '../log-ring.js';
import type { Logger } from '../logger.js';
import type { ConsoleAssets } from './console-assets.js';
import type { ConsoleFeedHub } from './console-feed.js';

/** What the console does on the owner's behalf (the session client's own calls, bound to this install). */
export interface ConsoleActions {
  answerApproval(answer: ConsoleApprovalAnswer): Promise<string>;
  answerPairing(answer: ConsolePairingAnswer): Promise<string>;
  sendAsOwner(message: ConsoleOwnerMessage): Promise<string>;
  stopTurn(stop: ConsoleStopTurn): Promise<string>;
  repairSession(session: ConsoleStopTurn): Promise<string>;
  saveConfig(save: ConsoleConfigSave): Promise<string>;
  addJob(job: ConsoleNewJob): Promise<string>;
  changeJob(change: ConsoleJobChange): Promise<string>;
}

/** An action refused for a reason the owner should read (no such request, not allowed): 409 with its words. */
export class ConsoleActionRefused extends Error {
  override name = 'ConsoleActionRefused';
}

export interface ConsoleServerOptions {
  host: string;
  port: number;
  /** The install's console key: the link carries it once, the browser keeps a cookie derived from it. */
  key: string;
  allowedHosts: readonly string[];
  allowedOrigins: readonly string[];
  assets: ConsoleAssets;
  feed: ConsoleFeedHub<ConsoleFeed>;
  /** The live feed of one session (its transcript and status); null when there is no such session. */
  sessionFeed(sessionKey: string): ConsoleFeedHub<ConsoleSessionDetail | null>;
  /** The live feed of the cron jobs and heartbeats (read only while the schedules page is open). */
  schedulesFeed: ConsoleFeedHub<ConsoleSchedules>;
  /** The live feed of what the agents used (read only while the usage page is open). */
  usageFeed: ConsoleFeedHub<ConsoleUsage>;
  /** The live feed of the stack's checks (Temporal, the workers, the runtime, the channels). */
  statusFeed: ConsoleFeedHub<ConsoleCheck[]>;
  /** The live feed of the chat channels (on, off, connected, and what to do). */
  channelsFeed: ConsoleFeedHub<ConsoleChannel[]>;
  /** The live feed of the configuration file (its text with secrets hidden, what is in effect). */
  configFeed: ConsoleFeedHub<ConsoleConfig>;
  /** The log of this process (its latest records), and the level it is written at. */
  log: { ring: LogRing; level: string };
  actions: ConsoleActions;
  logger: Logger;
}

const cookieName = 'clawflow_console';
/** An action's body: a message of 20,000 characters, with room for its JSON. */
const maxActionBytes = 100_000;
/** A configuration file's new text: larger than any configuration, small enough to read whole. */
const maxConfigBytes = 512_000;
const heartbeatMs = 15_000;
/** How often the logs page is sent what was logged since. */
const logIntervalMs = 1000;

const approvalAnswer = z
  .object({
    sessionKey: z.string().min(1).max(500),
    requestId: z.string().min(1).max(100),
    decision: z.enum(['once', 'always', 'deny']),
  })
  .strict();

const pairingAnswer = z
  .object({
    channel: z.string().min(1).max(100),
    code: z.string().min(1).max(20),
    decision: z.enum(['approve', 'reject']),
  })
  .strict();

const sessionKeyField = z.string().min(1).max(500);
const ownerMessage = z.object({ sessionKey: sessionKeyField, text: z.string().trim().min(1, 'write something first').max(20_000) }).strict();
const stopTurn = z.object({ sessionKey: sessionKeyField }).strict();
const newJob = z
  .object({
    name: z.string().min(1).max(64),
    fires: z.enum(['every', 'at', 'cron']),
    when: z.string().trim().min(1, 'say when it fires').max(200),
    message: z.string().trim().min(1, 'say what it sends').max(20_000),
    session: z.enum(['main', 'isolated']),
  })
  .strict();
const configSave = z.object({ text: z.string().max(maxConfigBytes), base: z.string().regex(/^[0-9a-f]{16}$/, 'the version the page read') }).strict();
const jobChange = z.object({ id: z.string().min(1).max(300), change: z.enum(['pause', 'resume', 'run', 'remove']) }).strict();

/** The session client's refusals, said in the owner's words: a 409, not a failure of the console. */
const refusals = new Set([
  'ConsoleActionRefused',
  'SessionKeyError',
  'InvalidJobError',
  'ScheduleNotFoundError',
  'NoSuchApprovalError',
  'NoSuchSessionError',
  'NotTheAgentOwnerError',
  'InvalidMessageError',
  'ConfigError',
  'ConfigSaveRefused',
  'SessionNotStuckError',
]);

/** Every answer the console gives: never cached, never framed, nothing but its own scripts and styles. */
const pageHeaders = {
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
};

const shell = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>ClawFlow console</title>
<link rel="stylesheet" href="/app.css">
<script type="module" src="/app.js"></script>
</head>
<body><div id="app"></div></body>
</html>
`;

const lockedPage = (why: string): string => `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>ClawFlow console</title></head>
<body><h1>ClawFlow console</h1><p>${why}</p><p>The link is printed by <code>clawflow start</code> (the line that begins with Console) and by <code>clawflow config --console-link</code>.</p></body></html>
`;

/**
 * The owner's console: the page, its live feed (server-sent events) and its actions. Closed like every local surface:
 * loopback, Host and Origin checked, the install's key traded once for an HttpOnly SameSite=Strict cookie, actions
 * only as JSON bodies of at most 100 KB, validated; anything else is refused with a reason.
 */
export async function startConsoleServer(options: ConsoleServerOptions): Promise<ListeningServer> {
  const policy: GuardPolicy = { port: options.port, allowedHosts: options.allowedHosts, allowedOrigins: options.allowedOrigins };
  // The port it listens on (asked as 0 in tests: then the one it was given), which a Host header must name.
  let boundPort = options.port;
  const pass = createHmac('sha256', options.key).update('clawflow console cookie').digest('base64url');
  const signedIn = (req: IncomingMessage): boolean => sameSecret(cookieOf(req, cookieName) ?? '', pass);

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://console.invalid');
    const isAction = req.method === 'POST';
    const refusal = guardRequest(req, { ...policy, port: boundPort }, isAction ? { accepted: ['application/json'] } : undefined);
    if (refusal) {
      drain(req);
      return answerJson(res, refusal.status, { ok: false, error: refusal.message }, pageHeaders);
    }
    if (req.method === 'GET' && url.pathname === '/' && url.searchParams.has('token')) {
      if (!sameSecret(url.searchParams.get('token') ?? '', options.key))
        return void res
          .writeHead(401, { ...pageHeaders, 'content-type': 'text/html; charset=utf-8' })
          .end(lockedPage('That link carries the wrong key: it is not this install’s.'));
      const cookie = `${cookieName}=${pass}; HttpOnly; SameSite=Strict; Path=/; Max-Age=${30 * 86_400}`;
      return void res.writeHead(303, { ...pageHeaders, location: '/', 'set-cookie': cookie }).end();
    }
    if (!signedIn(req)) {
      drain(req);
      if (url.pathname === '/')
        return void res
          .writeHead(401, { ...pageHeaders, 'content-type': 'text/html; charset=utf-8' })
          .end(lockedPage('This page opens with the link that carries this install’s console key.'));
      return answerJson(res, 401, { ok: false, error: 'open the console with its link first (clawflow config --console-link)' }, pageHeaders);
    }
    if (req.method === 'GET' && url.pathname === '/') return void res.writeHead(200, { ...pageHeaders, 'content-type': 'text/html; charset=utf-8' }).end(shell);
    if (req.method === 'GET' && url.pathname === '/app.js')
      return void res.writeHead(200, { ...pageHeaders, 'content-type': 'text/javascript; charset=utf-8' }).end(options.assets.script);
    if (req.method === 'GET' && url.pathname === '/app.css')
      return void res.writeHead(200, { ...pageHeaders, 'content-type': 'text/css; charset=utf-8' }).end(options.assets.style);
    if (req.method === 'GET' && url.pathname === '/api/feed') return streamFeed(res, options.feed);
    if (req.method === 'GET' && url.pathname === '/api/schedules-feed') return streamFeed(res, options.schedulesFeed);
    if (req.method === 'GET' && url.pathname === '/api/usage-feed') return streamFeed(res, options.usageFeed);
    if (req.method === 'GET' && url.pathname === '/api/status-feed') return streamFeed(res, options.statusFeed);
    if (req.method === 'GET' && url.pathname === '/api/channels-feed') return streamFeed(res, options.channelsFeed);
    if (req.method === 'GET' && url.pathname === '/api/config-feed') return streamFeed(res, options.configFeed);
    if (req.method === 'GET' && url.pathname === '/api/logs-feed') return streamLog(res);
    if (req.method === 'GET' && url.pathname === '/api/session-feed') {
      const key = url.searchParams.get('key') ?? '';
      if (!key || key.length > 500) return answerJson(res, 400, { ok: false, error: 'name the session: /api/session-feed?key=<session key>' }, pageHeaders);
      return streamFeed(res, options.sessionFeed(key));
    }
    if (isAction && Object.hasOwn(actions, url.pathname)) return actions[url.pathname]!(req, res);
    drain(req);
    return answerJson(res, 404, { ok: false, error: `no ${req.method} ${url.pathname} here` }, pageHeaders);
  };

  /** An event stream: `follow` sends through `send` until the page goes, and returns how to stop. */
  const stream = (res: ServerResponse, follow: (send: (json: string) => void) => () => void): void => {
    res.writeHead(200, { ...pageHeaders, 'content-type': 'text/event-stream; charset=utf-8', connection: 'keep-alive' });
    res.write(': live\n\n');
    const stopFollowing = follow((json) => res.write(`event: feed\ndata: ${json}\n\n`));
    const heartbeat = setInterval(() => res.write(': still here\n\n'), heartbeatMs);
    // The response closes when the page goes (or the connection drops): then nothing more is read for it.
    res.once('close', () => {
      clearInterval(heartbeat);
      stopFollowing();
    });
  };
  const streamFeed = <T>(res: ServerResponse, feed: ConsoleFeedHub<T>): void => stream(res, (send) => feed.listen(send));
  /** The log: the latest records it holds, then each second those written since. */
  const streamLog = (res: ServerResponse): void =>
    stream(res, (send) => {
      const { ring, level } = options.log;
      const first = ring.since(0);
      let last = first.lines.at(-1)?.seq ?? first.earlier;
      send(JSON.stringify({ fresh: true, level, ...first } satisfies ConsoleLogs));
      const timer = setInterval(() => {
        const more = ring.since(last);
        if (!more.lines.length) return;
        last = more.lines.at(-1)!.seq;
        send(JSON.stringify({ fresh: false, level, ...more } satisfies ConsoleLogs));
      }, logIntervalMs);
      return () => clearInterval(timer);
    });

  /** An action: a JSON body of a few KB, checked against its schema, done, and the feed read again at once. */
  const act = async <T>(
    req: IncomingMessage,
    res: ServerResponse,
    schema: z.ZodType<T>,
    run: (input: T) => Promise<string>,
    maxBytes = maxActionBytes,
  ): Promise<void> => {
    let body: unknown;
    try {
      body = await readJsonBody(req, maxBytes, 'the request');
    } catch (error) {
      const status = error instanceof BodyError && error.reason === 'too_large' ? 413 : 400;
      return answerJson(res, status, { ok: false, error: (error as Error).message } satisfies ConsoleActionResult, pageHeaders);
    }
    const parsed = schema.safeParse(body);
    if (!parsed.success)
      return answerJson(res, 400, { ok: false, error: `the request is not one: ${describeZodError(parsed.error)}` } satisfies ConsoleActionResult, pageHeaders);
    try {
      const message = await run(parsed.data);
      void options.feed.refresh();
      return answerJson(res, 200, { ok: true, message } satisfies ConsoleActionResult, pageHeaders);
    } catch (error) {
      const refused = refusals.has((error as Error).name);
      if (!refused) options.logger.warn({ err: error }, 'a console action failed');
      return answerJson(res, refused ? 409 : 502, { ok: false, error: (error as Error).message } satisfies ConsoleActionResult, pageHeaders);
    }
  };

  const actions: Record<string, (req: IncomingMessage, res: ServerResponse) => Promise<void>> = {
    '/api/approvals/answer': (req, res) => act(req, res, approvalAnswer, (answer) => options.actions.answerApproval(answer)),
    '/api/pairing/answer': (req, res) => act(req, res, pairingAnswer, (answer) => options.actions.answerPairing(answer)),
    '/api/sessions/send': (req, res) => act(req, res, ownerMessage, (message) => options.actions.sendAsOwner(message)),
    '/api/sessions/stop': (req, res) => act(req, res, stopTurn, (stop) => options.actions.stopTurn(stop)),
    '/api/sessions/repair': (req, res) => act(req, res, stopTurn, (session) => options.actions.repairSession(session)),
    '/api/config/save': (req, res) => act(req, res, configSave, (save) => options.actions.saveConfig(save), maxConfigBytes + 10_000),
    '/api/schedules/add': (req, res) => act(req, res, newJob, (job) => options.actions.addJob(job)),
    '/api/schedules/change': (req, res) => act(req, res, jobChange, (change) => options.actions.changeJob(change)),
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      options.logger.error({ err: error }, 'the console failed to answer a request');
      if (!res.headersSent) answerJson(res, 500, { ok: false, error: 'the console failed; its log says why' }, pageHeaders);
      else res.destroy();
    });
  });
  // A request's head and body come within these, or the connection is dropped (the event stream's answer may last).
  server.headersTimeout = 10_000;
  server.requestTimeout = 30_000;
  const listening = await listen(server, options.host, options.port);
  boundPort = Number(new URL(listening.url).port);
  return listening;
}
