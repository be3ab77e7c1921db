import { z } from 'zod';
import type { ClawflowConfig } from '../config/load.js';
import type { ImageRef } from '../contracts/image-ref.js';
import type { ToolSpec } from '../contracts/agent-runtime.js';
import type { Artifact } from '../contracts/session-records.js';
import type { BrowserPool } from './browser-pool.js';
import type { ExecSandbox } from './exec-sandbox.js';
import type { NetPolicy } from './net-policy.js';

/** What a tool call may use: the workspace it is confined to, the session it serves, cancellation. */
export interface ToolContext {
  workspace: string;
  /** ClawFlow's own files (configuration, secrets, channel logins, database, transcripts): never read or written by a tool. */
  protectedPaths: readonly string[];
  /** Folders of skills outside the workspace: `read` takes their files by absolute path (read only). */
  skillDirs: readonly string[];
  sessionKey: string;
  config: ClawflowConfig['tools'];
  signal: AbortSignal;
  browsers: BrowserPool;
  /** Where the web tools may go (the public internet; chosen private hosts; never ClawFlow's own ports). */
  net: NetPolicy;
  /** This agent's scheduled jobs, as the cron tool sees them: set in this conversation, they answer in it. Null: no Temporal client here. */
  jobs: AgentJobs | null;
  /** The other sessions this one may look at and message (tools.sessions.visibility). Null: no Temporal client here. */
  sessions: AgentSessions | null;
  /** Set when the user approved this very call (exec under the `ask` policy). */
  approved: boolean;
  /** Where `exec` runs commands: under bubblewrap, or (null) on the host. */
  sandbox: ExecSandbox | null;
  /**
   * Every message of the turn came from the agent's owner (a channel's owners or allowFrom, the WebChat's key holder,
   * the CLI, the API), not from a group member, a paired stranger or a schedule: only such a turn changes the
   * agent's instructions without asking.
   */
  byAgentOwner: boolean;
}

/** A job the agent scheduled: when it fires next, and how its last firing went. */
export interface AgentJob {
  name: string;
  note: string;
  paused: boolean;
  nextRuns: string[];
  lastOutcome: { status: string; detail: string } | null;
}

/** A session as the session tools show it. */
export interface SessionBrief {
  sessionKey: string;
  status: string;
  lastActivity: string | null;
  turns: number;
}

/** The sessions one session may see: its sub-agents (visibility "tree"), or every session of its agent ("agent"). */
export interface AgentSessions {
  readonly visibility: 'tree' | 'agent';
  list(): Promise<SessionBrief[]>;
  /** Its last `limit` transcript lines, oldest first; a session out of sight is refused. */
  history(sessionKey: string, limit: number): Promise<Array<{ turn: number; role: string; text: string; at: string }>>;
  /** Sends a message into it and waits up to `timeoutMs` for the reply (null: not yet answered, it still will be). */
  send(sessionKey: string, text: string, timeoutMs: number): Promise<string | null>;
}

/** The agent's own cron jobs (Temporal Schedules, the same as `clawflow cron`). */
export interface AgentJobs {
  /** The zone times are read in when the call names none. */
  readonly timeZone: string;
  /** `isolated`: each firing in a one-off session; otherwise in the conversation the job was set in. */
  add(job: {
    name: string;
    when: { at: string } | { every: string } | { cron: string };
    timeZone: string;
    message: string;
    isolated: boolean;
  }): Promise<AgentJob>;
  list(): Promise<AgentJob[]>;
  remove(name: string): Promise<void>;
  run(name: string): Promise<void>;
}

export interface ToolOutput {
  output: string;
  /** Files for the channel (a screenshot sent with the answer). */
  artifacts?: Artifact[];
  /** Images the model is shown with the result (a vision model), by workspace path. */
  images?: Array<Omit<ImageRef, 'url'>>;
}

/** A refusal or failure the model should read and act on; never a crashed turn. */
export class ToolError extends Error {
  override name = 'ToolError';
}

/** The call needs the user's approval first (exec under the `ask` policy); the session asks and calls again. */
/**
 * Characters that can make a line read as something else on a terminal or in a chat: control characters (a carriage
 * return or an escape sequence can overwrite what was shown), invisible ones and bidirectional overrides.
 */
// eslint-disable-next-line no-control-regex -- finding control characters is the point
const deceptive = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]/gu;

/** Text as it will be shown for approval: every deceptive character written out as a visible escape. */
export function visibleText(text: string): string {
  return text.replace(deceptive, (char) => `\\u{${char.codePointAt(0)!.toString(16)}}`);
}

/**
 * The user must approve this first. The subject is what they see, exactly, so nothing in it can hide. `ownerOnly`:
 * only the agent's owner may allow it (a change to the agent's instructions), not whoever owns the conversation.
 */
export class ApprovalRequired extends Error {
  override name = 'ApprovalRequired';
  readonly subject: string;
  readonly ownerOnly: boolean;
  constructor(subject: string, options: { ownerOnly?: boolean } = {}) {
    const visible = visibleText(subject);
    super(`approval required: ${visible}`);
    this.subject = visible;
    this.ownerOnly = options.ownerOnly ?? false;
  }
}

export interface Tool<Input = unknown> {
  spec: ToolSpec;
  input: z.ZodType<Input>;
  /** Whether this host offers the tool at all (a tool the configuration switches off is not shown to the model). */
  enabled?(config: ClawflowConfig['tools']): boolean;
  /** Calls may change the workspace files the system prompt is built from. */
  mutatesWorkspace: boolean;
  run(input: Input, context: ToolContext): Promise<string | ToolOutput>;
}

/**
 * The JSON Schema without what only costs the model's context: `additionalProperties: false` on every object, a
 * `minLength` of 1 and an integer's `maximum` of 2^53-1 (what zod says by default). The input is checked against the
 * zod schema anyway, and a call that breaks it is answered with what is wrong, so the model corrects it.
 */
function withoutNoise(schema: Record<string, unknown>): Record<string, unknown> {
  const pruned: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(schema)) {
    if (key === 'additionalProperties' && value === false) continue;
    if (key === 'minLength' && value === 1) continue;
    if (key === 'maximum' && value === Number.MAX_SAFE_INTEGER) continue;
    if (Array.isArray(value))
      pruned[key] = value.map((item: unknown) => (item && typeof item === 'object' ? withoutNoise(item as Record<string, unknown>) : item));
    else pruned[key] = value && typeof value === 'object' ? withoutNoise(value as Record<string, unknown>) : value;
  }
  return pruned;
}

/** One tool: its name, what the model reads about it, its input schema (the JSON Schema is derived from it) and its code. */
export function defineTool<Schema extends z.ZodType>(definition: {
  name: string;
  description: string;
  input: Schema;
  enabled?(config: ClawflowConfig['tools']): boolean;
  mutatesWorkspace?: boolean;
  run(input: z.output<Schema>, context: ToolContext): Promise<string | ToolOutput>;
}): Tool<z.output<Schema>> {
  const inputSchema = withoutNoise(z.toJSONSchema(definition.input, { io: 'input' }) as Record<string, unknown>);
  delete inputSchema.$schema;
  return {
    spec: { name: definition.name, description: definition.description, inputSchema },
    input: definition.input as unknown as z.ZodType<z.output<Schema>>,
    ...(definition.enabled ? { enabled: definition.enabled } : {}),
    mutatesWorkspace: definition.mutatesWorkspace ?? false,
    run: definition.run,
  };
}
