// What the console's server sends its page (JSON over server-sent events) and what the page sends back: types only,
// read by the server (src/console/) and by the page (console/).
import type { ApprovalAuditRecord } from './approval-audit.js';
import type { SessionSummary } from './session-summary.js';

/** A session in the console's list: what the session client's list says of it. */
export type ConsoleSession = SessionSummary;

export interface ConsoleApproval {
  sessionKey: string;
  requestId: string;
  tool: string;
  /** Exactly what would run, e.g. the command line. */
  subject: string;
  ownerOnly?: boolean;
  requestedAt: string;
  /** When it is denied without an answer (tools.exec.approvalTtl). */
  expiresAt?: string;
  /** The owner's other chats were told of it (approvals.escalateTo). */
  escalated?: boolean;
}

/** A request that ended, as the approvals audit log keeps it (`clawflow approvals log`). */
export type ConsoleApprovalEnded = ApprovalAuditRecord;

/** A stranger who asked to talk to the agent on a channel with dmPolicy "pairing", waiting for the owner. */
export interface ConsolePairing {
  channel: string;
  code: string;
  senderId: string;
  senderName?: string;
  createdAt: string;
  /** The start of the message they sent, held until they are let in. */
  heldText?: string;
}

/** One snapshot of everything the console shows; a new one comes whenever something changed. */
export interface ConsoleFeed {
  sessions: ConsoleSession[];
  approvals: ConsoleApproval[];
  /** The latest requests that ended, newest first. */
  decided: ConsoleApprovalEnded[];
  pairing: ConsolePairing[];
  /** Where a session's workflow opens in the Temporal Web UI: this, then its key (URI-encoded); null without the Web UI. */
  workflowLinkPrefix: string | null;
}

/** One line of a session's transcript, as the console shows it: tool calls folded under the answer they led to. */
export interface ConsoleTranscriptEntry {
  turn: number;
  role: 'user' | 'assistant' | 'error' | 'summary';
  text: string;
  at: string;
  sender?: string;
  model?: string;
  usage?: { inputTokens: number; outputTokens: number };
  /** What the answer cost by model.pricing (or the prices ClawFlow knows); null: its model has no price. */
  usd?: number | null;
  /** The tool calls before this answer: each with its input (JSON) and what it returned, cut short. */
  calls?: Array<{ name: string; input: string; output: string; isError: boolean }>;
  /** A `/new` or `/reset` started here. */
  reset?: boolean;
}

/** One session, open in the console: its live status and its transcript (the latest entries). */
export interface ConsoleSessionDetail {
  sessionKey: string;
  /** idle, running, awaiting-approval; null when its workflow is not running (or cannot answer). */
  status: string | null;
  /** Why it is stuck (its workflow task keeps failing: a repair moves it on), or null. */
  stuck: string | null;
  transcript: ConsoleTranscriptEntry[];
  /** How many older entries are not shown. */
  earlier: number;
  /** What all its answers used and cost, a turn each (`unpriced`: answers of a model without a price, not in `usd`). */
  used: { turns: number; inputTokens: number; outputTokens: number; usd: number; unpriced: number };
}

export type ConsoleDecision = 'once' | 'always' | 'deny';

export interface ConsoleApprovalAnswer {
  sessionKey: string;
  requestId: string;
  decision: ConsoleDecision;
}

export interface ConsolePairingAnswer {
  channel: string;
  code: string;
  decision: 'approve' | 'reject';
}

/** A message from the owner into a session (its answer is recorded in the transcript, not sent anywhere). */
export interface ConsoleOwnerMessage {
  sessionKey: string;
  text: string;
}

/** Stop the turn a session is running; or repair a stuck one. */
export interface ConsoleStopTurn {
  sessionKey: string;
}

/** A cron job or heartbeat, as the schedules page shows it. */
export interface ConsoleJob {
  id: string;
  kind: 'cron' | 'heartbeat';
  name: string;
  paused: boolean;
  /** What it sends, and where its answer goes. */
  note: string;
  fires: 'every' | 'at' | 'cron';
  nextRuns: string[];
  lastRun: string | null;
  lastOutcome: { status: string; detail: string } | null;
}

export interface ConsoleSchedules {
  jobs: ConsoleJob[];
  /** The zone cron expressions and times are read in (schedules.timeZone, or the machine's). */
  timeZone: string;
}

/** A new cron job, as the page's form sends it. */
export interface ConsoleNewJob {
  name: string;
  fires: 'every' | 'at' | 'cron';
  /** `2h`, `0 9 * * 1-5` or `2026-12-01T09:00`, as `fires` says. */
  when: string;
  message: string;
  session: 'main' | 'isolated';
}

/** Pause, resume, run now or remove a job. */
export interface ConsoleJobChange {
  id: string;
  change: 'pause' | 'resume' | 'run' | 'remove';
}

/** One day of one agent's use. */
export interface ConsoleUsageDay {
  day: string;
  agent: string;
  turns: number;
  inputTokens: number;
  outputTokens: number;
  usd: number;
  /** Turns whose model has no price (model.pricing): their cost is not in `usd`. */
  unpriced: number;
}

/** What the agents used over the last 30 days, day by day (days in `timeZone`). */
export interface ConsoleUsage {
  timeZone: string;
  days: ConsoleUsageDay[];
  agents: string[];
}

/** One thing the stack's check looked at (what `clawflow status` shows): how it is, and what to do when it is not ok. */
export interface ConsoleCheck {
  check: string;
  verdict: 'ok' | 'warn' | 'fail';
  detail: string;
}

/** What the server answers to an action: done, or why not, in words for the owner. */
export type ConsoleActionResult = { ok: true; message: string } | { ok: false; error: string };

export type ConsoleLogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal';

/** One record of the log, as the logs page shows it (secrets already redacted by the logger). */
export interface ConsoleLogLine {
  /** Its place in the log, counting from the process's start. */
  seq: number;
  at: string;
  level: ConsoleLogLevel;
  /** Which part wrote it: worker, runtime, api, console, a channel (`channel telegram`), or clawflow. */
  component: string;
  message: string;
  /** Its other fields (an error's message and stack, the session), as compact JSON, cut short. */
  detail?: string;
}

/**
 * Records of the log of the process serving the console, oldest first: on connecting, the latest it holds (`fresh`:
 * the page starts its list again), then each second what was written since.
 */
export interface ConsoleLogs {
  fresh: boolean;
  lines: ConsoleLogLine[];
  /** The level below which nothing is logged (log.level). */
  level: string;
  /** Records written before the oldest one here (the page holds the latest only; the full log is where stderr goes). */
  earlier: number;
}

/** The configuration file as the config page shows it: its text with every secret in it hidden, and what is in effect. */
export interface ConsoleConfig {
  file: string;
  /** The file's text, each secret value in it replaced by `(hidden secret N)` (kept as it is when saved). */
  text: string;
  /** Names this version of the file: a save made from another version is refused (someone else changed it). */
  base: string;
  /** Why the file as it is cannot be used (ClawFlow would not start with it); null when it can. */
  problem: string | null;
  /** The effective configuration (file and environment), secrets hidden, as YAML; null when the file cannot be used. */
  effective: string | null;
  /** Settings the environment sets: they win over the file. */
  fromEnvironment: Array<{ path: string; env: string }>;
  /** Settings saved in the file that the running stack does not use yet: they take effect when it restarts. */
  notInEffect: string[];
}

/** A new text for the configuration file, made from the version `base`. */
export interface ConsoleConfigSave {
  text: string;
  base: string;
}

/** A chat channel as the channels page shows it: on or off, how its connection is, and what to do when it is not well. */
export interface ConsoleChannel {
  id: string;
  title: string;
  enabled: boolean;
  /** The connection as the running connector reports it; `not running`: no connector reports; `off`: not configured. */
  state: 'connected' | 'starting' | 'retrying' | 'stopped' | 'not running' | 'off';
  detail: string | null;
  lastEventAt: string | null;
  /** What to do about it (how to turn it on, start the connector, check a token); null when all is well. */
  advice: string | null;
  /** A QR code to scan to link it (WhatsApp), as SVG text shown as an image. */
  qr?: { title: string; svg: string };
}
