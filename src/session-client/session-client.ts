import { randomUUID } from 'node:crypto';
import { WithStartWorkflowOperation, WorkflowNotFoundError, type Client, type WorkflowExecutionInfo } from '@temporalio/client';
import type { ClawflowConfig } from '../config/load.js';
import { JsonlTranscriptStore } from '../transcript/jsonl-store.js';
import { stuckSession } from './stuck.js';
import { sessionView, type SessionView } from './session-view.js';
import type { SessionWorkflow } from '../workflows/index.js';
import {
  approvalDecisionSchema,
  approvalSignal,
  inboundMessageSchema,
  inboundSignal,
  sendUpdate,
  stopSignal,
  statusQuery,
  transcriptQuery,
  type ApprovalDecision,
  type ApprovalRequest,
  type InboundMessage,
  type SessionInput,
  type SessionSettings,
  type SessionStatus,
  type TurnReply,
} from '../workflows/messages.js';
import { describeZodError } from '../contracts/zod-issues.js';
import { type TranscriptEntry } from '../contracts/session-records.js';
import type { SessionSummary } from '../contracts/session-summary.js';
import { sessionSearchAttributes as sa } from '../workflows/search-attributes.js';
import { formatSessionKey, parseSessionKey, sessionKeyOfWorkflowId, sessionWorkflowId, type SessionKey } from '../contracts/session-key.js';
import { taskQueues } from '../workflows/task-queues.js';
import { defaultAgentId, requireAgent } from '../config/agents.js';
import { scheduleTimeZone } from '../config/time-zone.js';
import type { TemporalClientConfig } from '../temporal/connection.js';
import { parseDuration } from '../contracts/duration.js';

/** What the client side of sessions reads: Temporal, and every setting a session starts with. */
export type SessionClientConfig = TemporalClientConfig &
  Pick<ClawflowConfig, 'agent' | 'agentcore' | 'approvals' | 'messages' | 'model' | 'session' | 'tools' | 'agents' | 'schedules'>;

export class InvalidMessageError extends Error {
  override name = 'InvalidMessageError';
}

export function sessionSettingsFromConfig(config: SessionClientConfig): SessionSettings {
  return {
    historyTurns: config.session.historyTurns,
    continueAsNewAfterTurns: config.session.continueAsNewAfterTurns,
    dedupeWindow: config.session.dedupeWindow,
    turnTimeoutSeconds: config.agent.turnTimeoutSeconds,
    heartbeatTimeoutSeconds: config.agent.heartbeatTimeoutSeconds,
    retryForSeconds: config.agent.retryForSeconds,
    maxToolSteps: config.agent.maxToolSteps,
    agentInWorker: config.agent.callsInWorker,
    agentcoreMemory: config.agentcore.memoryId !== undefined,
    runtimeIdleSeconds: config.agentcore.idleTimeoutSeconds,
    runtimeMaxLifetimeSeconds: config.agentcore.maxLifetimeSeconds,
    runtimeRotationMarginSeconds: config.agentcore.rotationMarginSeconds,
    approvalTimeoutSeconds: config.tools.exec.approvalTimeoutSeconds ?? parseDuration(config.tools.exec.approvalTtl) / 1000,
    approvalRemindSeconds: config.approvals.remindEvery === 'off' ? 0 : parseDuration(config.approvals.remindEvery) / 1000,
    approvalEscalateTo: config.approvals.escalateTo,
    approvalEscalateAfterSeconds: parseDuration(config.approvals.escalateAfter) / 1000,
    toolHostWaitSeconds: parseDuration(config.tools.hostWait) / 1000,
    toolHostWaitPerTool: Object.fromEntries(Object.entries(config.tools.hostWaitPerTool).map(([tool, wait]) => [tool, parseDuration(wait) / 1000])),
    queueCap: config.messages.queue.cap,
    queueMaxChars: config.messages.queue.maxChars,
    queueDrop: config.messages.queue.drop,
    contextTokens: config.session.contextTokens,
    // Anthropic's and Bedrock's tokenizers cut English finer than OpenAI's.
    charsPerToken: config.model.provider === 'openai-compatible' ? 4 : 3.5,
    modelChoices: config.model.choices,
    messageTargets: config.tools.message.allowedTargets,
    spawnsPerTurn: config.tools.sessions.maxSpawnsPerTurn,
    spawnsPerDay: config.tools.sessions.maxSpawnsPerDay,
    reset: { ...config.session.reset, timeZone: scheduleTimeZone(config) },
    queueMode: config.messages.queue.mode,
    queueDebounceMs: config.messages.queue.debounceMs,
    listRefreshSeconds: config.session.listRefreshSeconds,
  };
}

/** How a session workflow is started when a message finds none running. */
export function sessionStartOptions(config: SessionClientConfig, key: SessionKey, options: { oneOff?: boolean } = {}) {
  const sessionKey = formatSessionKey(key);
  const input: SessionInput = { sessionKey, settings: sessionSettingsFromConfig(config), ...(options.oneOff ? { oneOff: true } : {}) };
  return {
    workflowId: sessionWorkflowId(key),
    taskQueue: taskQueues.sessions,
    args: [input] as [SessionInput],
    workflowIdConflictPolicy: 'USE_EXISTING' as const,
    // A session's workflow tasks take milliseconds; one cut off by a dying worker is retried elsewhere this soon
    // (Temporal's default is 10 s). Later runs of the session inherit it.
    workflowTaskTimeout: '3s' as const,
    typedSearchAttributes: [
      { key: sa.agent, value: key.agent },
      { key: sa.channel, value: key.channel },
      { key: sa.peer, value: key.chat },
      { key: sa.status, value: 'idle' },
      { key: sa.turns, value: 0 },
    ],
    staticSummary: `Session ${sessionKey}`,
    staticDetails: `ClawFlow conversation — agent **${key.agent}**, channel **${key.channel}**, chat **${key.chat}**.`,
  };
}

export interface OutgoingMessage {
  text: string;
  messageId?: string;
  sender?: string;
  sentAt?: string;
  /** Where the answer goes (channel messages); without it the answer is only returned and recorded. */
  route?: InboundMessage['route'];
  /** The sender owns the conversation: may run the chat commands that change it (/new, /stop). */
  fromOwner?: boolean;
  /** The sender owns the agent: a turn of theirs may change its instructions (see InboundMessage). */
  fromAgentOwner?: boolean;
  /** Images saved in the workspace with the message, shown to a vision model. */
  images?: InboundMessage['images'];
}

function validMessage(message: OutgoingMessage): InboundMessage {
  // When it was sent orders it among messages that reach the session together (a platform's own time wins).
  const parsed = inboundMessageSchema.safeParse({
    ...message,
    messageId: message.messageId ?? randomUUID(),
    sentAt: message.sentAt ?? new Date().toISOString(),
  });
  if (!parsed.success) throw new InvalidMessageError(describeZodError(parsed.error));
  return parsed.data;
}

export function resolveKey(config: SessionClientConfig, keyText: string): SessionKey {
  return parseSessionKey(keyText, defaultAgentId(config));
}

/** The workflow handle of a session, from its key as a person or caller writes it. */
export function sessionHandle(client: Client, config: SessionClientConfig, keyText: string) {
  return client.workflow.getHandle(sessionWorkflowId(resolveKey(config, keyText)));
}

/** The key of a session a message may start: one of this install's agents (a typo must not make a stray agent). */
function keyToStart(config: SessionClientConfig, keyText: string): SessionKey {
  const key = resolveKey(config, keyText);
  try {
    requireAgent(config, key.agent);
  } catch (error) {
    throw new InvalidMessageError((error as Error).message);
  }
  return key;
}

/**
 * Runs a turn in a session (starting it if needed) and resolves with the reply. `oneOff`: a session of its own for
 * this message, which ends once it is answered (its transcript stays).
 */
export async function sendMessage(
  client: Client,
  config: SessionClientConfig,
  keyText: string,
  message: OutgoingMessage,
  options: { oneOff?: boolean } = {},
): Promise<TurnReply> {
  const key = keyToStart(config, keyText);
  const inbound = validMessage(message);
  return client.workflow.executeUpdateWithStart(sendUpdate, {
    args: [inbound],
    startWorkflowOperation: new WithStartWorkflowOperation<typeof SessionWorkflow>('SessionWorkflow', sessionStartOptions(config, key, options)),
  });
}

/** Hands a message to a session (starting it if needed) without waiting for the reply: what connectors do. */
export async function deliverInbound(client: Client, config: SessionClientConfig, keyText: string, message: OutgoingMessage): Promise<void> {
  const key = keyToStart(config, keyText);
  await client.workflow.signalWithStart<typeof SessionWorkflow, [InboundMessage]>('SessionWorkflow', {
    ...sessionStartOptions(config, key),
    signal: inboundSignal,
    signalArgs: [validMessage(message)],
  });
}

export type { SessionSummary };

/** A session as Temporal's index has it (its search attributes). */
export function summarize(info: Pick<WorkflowExecutionInfo, 'workflowId' | 'status' | 'typedSearchAttributes'>): SessionSummary {
  const attrs = info.typedSearchAttributes;
  const live = info.status.name === 'RUNNING';
  const sessionKey = sessionKeyOfWorkflowId(info.workflowId);
  return {
    sessionKey,
    agent: attrs.get(sa.agent) ?? '',
    channel: attrs.get(sa.channel) ?? '',
    peer: attrs.get(sa.peer) ?? '',
    lastActivity: attrs.get(sa.lastActivity)?.toISOString() ?? null,
    turns: attrs.get(sa.turns) ?? 0,
    status: live ? (attrs.get(sa.status) ?? 'idle') : info.status.name.toLowerCase(),
  };
}

/** The latest run of each session in Temporal's index (one per session, not per run): at most `limit` sessions. */
export async function latestSessionRuns(client: Client, limit = Number.POSITIVE_INFINITY): Promise<WorkflowExecutionInfo[]> {
  const latest = new Map<string, WorkflowExecutionInfo>();
  for await (const info of client.workflow.list({ query: `WorkflowType = 'SessionWorkflow'`, pageSize: 1000 })) {
    const seen = latest.get(info.workflowId);
    if (!seen || info.startTime > seen.startTime) latest.set(info.workflowId, info);
    if (latest.size >= limit) break;
  }
  return [...latest.values()];
}

/** The order sessions are listed in: most recent activity first, then by key. */
export const byRecentActivity = (a: SessionSummary, b: SessionSummary): number =>
  (b.lastActivity ?? '').localeCompare(a.lastActivity ?? '') || a.sessionKey.localeCompare(b.sessionKey);

/** Every session in the namespace, most recent activity first (one row per session, not per run). */
export async function listSessions(client: Client): Promise<SessionSummary[]> {
  // The list is Temporal's index, which may lag a turn that just ended; each running session is described (its own
  // state, current to the last event) — which also tells whether it is stuck (its workflow task failing).
  const summaries: SessionSummary[] = [];
  const entries = await latestSessionRuns(client);
  for (let i = 0; i < entries.length; i += 16) {
    summaries.push(
      ...(await Promise.all(
        entries.slice(i, i + 16).map(async (info) => {
          if (info.status.name !== 'RUNNING') return summarize(info);
          const described = await client.workflow
            .getHandle(info.workflowId, info.runId)
            .describe()
            .catch(() => null);
          if (!described) return summarize(info);
          const stuck = await stuckSession(client, info.workflowId, described).catch(() => null);
          return stuck ? { ...summarize(described), status: 'stuck', problem: stuck.reason } : summarize(described);
        }),
      )),
    );
  }
  return summaries.sort(byRecentActivity);
}

export type { SessionView };

/**
 * A session's status and full transcript: the transcript store, completed with the turns the workflow has
 * answered but not yet written (the reply goes out before the transcript is appended). Null if there is no such session.
 */
export async function describeSession(
  client: Client,
  config: SessionClientConfig,
  keyText: string,
  options: { storedIfUnreachable?: boolean } = {},
): Promise<SessionView | null> {
  const sessionKey = formatSessionKey(resolveKey(config, keyText));
  const stored = await new JsonlTranscriptStore(config.paths.transcriptsDir).read(sessionKey);
  const handle = sessionHandle(client, config, keyText);
  let status: SessionStatus | null = null;
  let window: TranscriptEntry[] = [];
  const ask = async (): Promise<void> => {
    if ((await handle.describe()).status.name === 'RUNNING') [status, window] = await Promise.all([handle.query(statusQuery), handle.query(transcriptQuery)]);
  };
  try {
    // A chat page does not wait long for a session that cannot answer (its worker down or restarting): it shows the
    // transcript as stored, which holds every answer delivered; only the live status is missing.
    await (options.storedIfUnreachable ? client.connection.withDeadline(Date.now() + 2000, ask) : ask());
  } catch (error) {
    if (!(error instanceof WorkflowNotFoundError) && !options.storedIfUnreachable) throw error;
  }
  return sessionView(sessionKey, stored, status, window);
}

export class NoSuchApprovalError extends Error {
  override name = 'NoSuchApprovalError';
}

/** A command about a session there is none of (approve, stop): said in those words, not Temporal's. */
export class NoSuchSessionError extends Error {
  override name = 'NoSuchSessionError';
}

/** A session's status; a session that does not exist (never started, or ended) is a NoSuchSessionError. */
async function runningStatus(client: Client, config: SessionClientConfig, keyText: string) {
  try {
    return await sessionHandle(client, config, keyText).query(statusQuery);
  } catch (error) {
    if (error instanceof WorkflowNotFoundError)
      throw new NoSuchSessionError(`there is no session ${formatSessionKey(resolveKey(config, keyText))} running (clawflow sessions list shows them)`);
    throw error;
  }
}

/** The tool calls a session is waiting for the user to approve. */
export async function pendingApprovals(client: Client, config: SessionClientConfig, keyText: string): Promise<ApprovalRequest[]> {
  return (await runningStatus(client, config, keyText)).pendingApprovals;
}

/** An answer to a request only the agent's owner may allow, from someone else. */
export class NotTheAgentOwnerError extends Error {
  override name = 'NotTheAgentOwnerError';
}

/** Answers an approval request: run it once, always (in this session), or not at all. */
export async function answerApproval(client: Client, config: SessionClientConfig, keyText: string, answer: ApprovalDecision): Promise<ApprovalRequest> {
  const parsed = approvalDecisionSchema.safeParse(answer);
  if (!parsed.success) throw new InvalidMessageError(describeZodError(parsed.error));
  const pending = await pendingApprovals(client, config, keyText);
  // Ids are lowercase; one typed in capitals (a phone's keyboard) is the same id.
  const request = pending.find((r) => r.requestId === parsed.data.requestId.toLowerCase());
  if (!request) {
    const waiting = pending.map((r) => `${r.requestId} (${r.tool}: ${r.subject})`).join(', ');
    throw new NoSuchApprovalError(
      `session ${keyText} has no pending approval ${parsed.data.requestId}${waiting ? `; waiting: ${waiting}` : ' (nothing is waiting)'}`,
    );
  }
  if (request.ownerOnly && !parsed.data.byAgentOwner && parsed.data.decision !== 'deny') {
    throw new NotTheAgentOwnerError(
      `only the agent's owner may allow this (it changes the agent's instructions): a channel's owners or allowFrom, or clawflow approve`,
    );
  }
  await sessionHandle(client, config, keyText).signal(approvalSignal, parsed.data);
  return request;
}

/** Asks a session to stop its running turn; false when it was not running one. */
export async function stopTurn(client: Client, config: SessionClientConfig, keyText: string): Promise<boolean> {
  const handle = sessionHandle(client, config, keyText);
  const { status } = await runningStatus(client, config, keyText);
  if (status === 'idle') return false;
  await handle.signal(stopSignal);
  return true;
}
