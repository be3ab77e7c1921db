import { randomUUID } from 'node:crypto';
import type { Client } from '@temporalio/client';
import { defaultPayloadConverter, type PayloadCodec } from '@temporalio/common';
import { historyCodecFor } from '../temporal/data-converter.js';
import { carriedSeal } from './carried-seal.js';
import { installSecret } from '../config/secrets.js';
import type { temporal } from '@temporalio/proto';
import { formatSessionKey, sessionWorkflowId } from '../contracts/session-key.js';
import type { ReplyRoute, TranscriptEntry } from '../contracts/session-records.js';
import { JsonlTranscriptStore } from '../transcript/jsonl-store.js';
import {
  carriedStateSchema,
  inboundMessageSchema,
  sessionInputSchema,
  type CarriedState,
  type InboundMessage,
  type SessionInput,
} from '../workflows/messages.js';
import { contextFromTranscript } from '../workflows/session/context-window.js';
import { taskQueues } from '../workflows/task-queues.js';
import { resolveKey, sessionStartOptions } from './session-client.js';
import { stuckSession } from './stuck.js';
import type { SessionClientConfig } from './session-client.js';

type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

/** What a stuck run's history says happened in it. */
export interface RunRecord {
  input: SessionInput;
  /** Messages the run received (signals and updates), in order. */
  messages: Array<{ message: InboundMessage; receivedAt: string }>;
  /** Idempotency keys of deliveries that completed in the run. */
  deliveredKeys: Set<string>;
}

/** Payloads as values: opened by the install's codec first (encrypted history), then read as JSON. */
async function decode(payloads: temporal.api.common.v1.IPayloads | null | undefined, codec: PayloadCodec | undefined): Promise<unknown[]> {
  const raw = payloads?.payloads ?? [];
  const opened = codec ? await codec.decode(raw) : raw;
  return opened.map((payload) => defaultPayloadConverter.fromPayload(payload));
}

function timeOf(event: HistoryEvent): string {
  const seconds = Number(event.eventTime?.seconds ?? 0);
  return new Date(seconds * 1000 + Math.floor((event.eventTime?.nanos ?? 0) / 1e6)).toISOString();
}

/** Reads a run's history into what repair needs; messages that do not parse are left out, as the session would. */
export async function readRun(events: readonly HistoryEvent[], codec?: PayloadCodec): Promise<RunRecord> {
  const started = events[0]?.workflowExecutionStartedEventAttributes;
  const input = sessionInputSchema.parse((await decode(started?.input, codec))[0]);
  const messages: RunRecord['messages'] = [];
  const scheduledDeliveries = new Map<string, string>();
  const deliveredKeys = new Set<string>();
  for (const event of events) {
    const signal = event.workflowExecutionSignaledEventAttributes;
    const update = event.workflowExecutionUpdateAcceptedEventAttributes?.acceptedRequest?.input;
    const raw =
      signal?.signalName === 'inbound' ? (await decode(signal.input, codec))[0] : update?.name === 'send' ? (await decode(update.args, codec))[0] : undefined;
    const parsed = raw === undefined ? null : inboundMessageSchema.safeParse(raw);
    if (parsed?.success) messages.push({ message: parsed.data, receivedAt: timeOf(event) });
    const scheduled = event.activityTaskScheduledEventAttributes;
    if (scheduled?.activityType?.name === 'deliver') {
      const key = ((await decode(scheduled.input, codec))[0] as { idempotencyKey?: string } | undefined)?.idempotencyKey;
      if (key) scheduledDeliveries.set(String(event.eventId), key);
    }
    const completed = event.activityTaskCompletedEventAttributes;
    const key = completed ? scheduledDeliveries.get(String(completed.scheduledEventId)) : undefined;
    if (key) deliveredKeys.add(key);
  }
  return { input, messages, deliveredKeys };
}

/**
 * The state a repaired session starts from: what the stuck run started with, completed with what its transcript
 * says was answered since, the messages it received but did not answer (queued again, in order), and the answers
 * whose delivery did not finish (delivered again: the connector's sent log keeps a part from going out twice).
 */
export function repairedState(run: RunRecord, transcript: readonly TranscriptEntry[], workflowId: string, reason: string, at: string): CarriedState {
  const base = run.input.carried;
  const settings = run.input.settings;
  const startTurn = base?.turns ?? 0;
  const answered = new Map(transcript.filter((e) => e.role === 'user' && e.messageId).map((e) => [e.messageId!, e.turn]));
  const answers = new Map(transcript.filter((e) => e.role === 'assistant' || e.role === 'error').map((e) => [e.turn, e]));
  const queuedIds = new Set((base?.queue ?? []).map((m) => m.messageId));
  // Each unanswered message once (a redelivery in the run carries the same id), in the order it first came.
  const unanswered = new Map<string, RunRecord['messages'][number]>();
  for (const received of run.messages) {
    const id = received.message.messageId;
    if (!answered.has(id) && !queuedIds.has(id) && !unanswered.has(id)) unanswered.set(id, received);
  }
  const queue = [
    ...(base?.queue ?? []).filter((m) => !answered.has(m.messageId)).map((m) => ({ ...m, awaited: false })),
    ...[...unanswered.values()].map(({ message, receivedAt }) => ({ ...message, receivedAt, awaited: false })),
  ];
  const routes = new Map(run.messages.filter(({ message }) => message.route).map(({ message }) => [message.messageId, message.route!]));
  const pendingDeliveries = [...answered]
    .filter(([, turn]) => turn > startTurn)
    .flatMap(([messageId, turn]) => {
      const route: ReplyRoute | undefined = routes.get(messageId);
      const answer = answers.get(turn);
      const idempotencyKey = `${workflowId}:${turn}`;
      return route && answer && !run.deliveredKeys.has(idempotencyKey) ? [{ route, text: answer.text, idempotencyKey }] : [];
    });
  const lastTurn = Math.max(startTurn, transcript.at(-1)?.turn ?? 0);
  const recentReplies = [
    ...(base?.recentReplies ?? []),
    ...[...answered]
      .filter(([, turn]) => turn > startTurn)
      .map(([messageId, turn]) => {
        const answer = answers.get(turn);
        return answer?.role === 'error' ? { messageId, turn, text: '', error: answer.text } : { messageId, turn, text: answer?.text ?? '' };
      }),
  ].slice(-50);
  const lastRoute = [...run.messages].reverse().find(({ message }) => message.route)?.message.route ?? base?.lastRoute;
  // Since the last /new: the latest summary and the turns after it.
  const context = contextFromTranscript(transcript, settings.historyTurns);
  return carriedStateSchema.parse({
    turns: lastTurn,
    runs: base?.runs ?? 1,
    createdAt: base?.createdAt ?? run.messages[0]?.receivedAt ?? at,
    lastActivity: transcript.at(-1)?.at ?? base?.lastActivity ?? null,
    window: context.window,
    ...(context.summary ? { summary: context.summary } : {}),
    seenMessageIds: [...new Set([...(base?.seenMessageIds ?? []), ...run.messages.map(({ message }) => message.messageId)])].slice(-settings.dedupeWindow),
    queue,
    recentReplies,
    // A fresh runtime session: it gets the whole context again.
    runtimeSession: {
      id: `clawflow-${randomUUID()}`,
      startedAt: null,
      lastUsedAt: null,
      syncedThroughTurn: null,
      rotations: (base?.runtimeSession.rotations ?? 0) + 1,
    },
    rejected: [...(base?.rejected ?? []), `${at} repaired by clawflow sessions repair: ${reason.slice(0, 500)}`].slice(-20),
    alwaysApproved: base?.alwaysApproved ?? [],
    ...(lastRoute ? { lastRoute } : {}),
    dropped: base?.dropped ?? [],
    ...(pendingDeliveries.length ? { pendingDeliveries } : {}),
    ...(base?.queueMode ? { queueMode: base.queueMode } : {}),
    ...(base?.lastModel ? { lastModel: base.lastModel } : {}),
    ...(base?.usageToday ? { usageToday: base.usageToday } : {}),
  });
}

export interface RepairReport {
  sessionKey: string;
  reason: string;
  requeued: number;
  redelivered: number;
  lastTurn: number;
}

/** A repair asked of a session that is not stuck: said to the one who asked (nothing was changed). */
export class SessionNotStuckError extends Error {
  override name = 'SessionNotStuckError';
}

/**
 * Moves a stuck session onto today's code: reads the stuck run's history and the transcript, ends the stuck run, and
 * starts a new run from the repaired state. No message is lost (unanswered ones are queued again) or answered twice
 * (answered ones are in the transcript, and their ids remembered).
 */
export async function repairSession(client: Client, config: SessionClientConfig, keyText: string, force = false): Promise<RepairReport> {
  const key = resolveKey(config, keyText);
  const sessionKey = formatSessionKey(key);
  const workflowId = sessionWorkflowId(key);
  const stuck = await stuckSession(client, workflowId);
  if (!stuck && !force)
    throw new SessionNotStuckError(`session ${sessionKey} is not stuck (its workflow tasks are not failing); nothing to repair (--force repairs it anyway)`);
  const handle = client.workflow.getHandle(workflowId);
  const runId = stuck?.runId ?? (await handle.describe()).runId;
  const history = await client.workflow.getHandle(workflowId, runId).fetchHistory();
  const run = await readRun(history.events ?? [], historyCodecFor(config) ?? undefined);
  const transcript = (await new JsonlTranscriptStore(config.paths.transcriptsDir).read(sessionKey)) ?? [];
  const reason = stuck?.reason ?? 'repaired on request';
  const carried = repairedState(run, transcript, workflowId, reason, new Date().toISOString());
  await client.workflow.getHandle(workflowId, runId).terminate(`repaired by clawflow sessions repair: ${reason.slice(0, 200)}`);
  // Sealed with the install's key: the session takes carried state only from its own continue-as-new or from here.
  const input: SessionInput = {
    sessionKey,
    settings: run.input.settings,
    carried,
    carriedSeal: carriedSeal(installSecret(config.paths.home, 'session-seal-key'), workflowId, carried),
  };
  await client.workflow.start('SessionWorkflow', { ...sessionStartOptions(config, key), taskQueue: taskQueues.sessions, args: [input] });
  return { sessionKey, reason, requeued: carried.queue.length, redelivered: carried.pendingDeliveries?.length ?? 0, lastTurn: carried.turns };
}
