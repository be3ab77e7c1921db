import { ActivityFailure, log, patched, proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { ConnectorActivities, ScheduleActivities, ToolActivities } from '../contracts/activities.js';
import { withinActiveHours, type ActiveHours } from './active-hours.js';
import type { ReplyRoute } from '../contracts/session-records.js';
import { taskQueues } from './task-queues.js';
import { mainSessionKey, sessionKey as sessionKeyOf } from '../contracts/session-key.js';

export interface ScheduledTurnInput {
  agentId: string;
  scheduleId: string;
  /** `hook`: a webhook's turn (POST /hooks/<name>), run once per idempotency key (the workflow id). */
  kind: 'cron' | 'heartbeat' | 'hook';
  jobName: string;
  /** The prompt of a cron job (a heartbeat's comes from HEARTBEAT.md). */
  message?: string;
  /** `main`: a turn in the agent's main session; `isolated`: a one-off session of its own. */
  session: 'main' | 'isolated';
  /** A turn in this session instead: a reminder the agent set in a conversation fires there, with its context. */
  sessionKey?: string;
  /** Where the answer goes; unset: the channel the main session last heard from (or nowhere). */
  to?: ReplyRoute;
  /** A heartbeat answer that is only this token (give or take a few characters) is not sent. */
  silentToken?: string;
  activeHours?: ActiveHours;
  /** A one-shot job deletes its schedule after it ran. */
  oneShot?: boolean;
  /** The job is the agent owner's (made with the CLI): its turns are the owner's. Unset: a conversation's, or a webhook's. */
  fromAgentOwner?: boolean;
}

export interface ScheduledTurnResult {
  status: 'skipped' | 'silent' | 'delivered' | 'recorded' | 'failed';
  detail: string;
}

/** One firing of a heartbeat or cron schedule: a turn in a session, and the answer sent where it should go. */
export async function ScheduledTurnWorkflow(input: ScheduledTurnInput): Promise<ScheduledTurnResult> {
  const info = workflowInfo();
  const agent = proxyActivities<ScheduleActivities>({
    taskQueue: taskQueues.agent,
    startToCloseTimeout: '30m',
    // The turn may take long; a worker that dies while waiting for it is noticed this soon (it heartbeats every second).
    heartbeatTimeout: '10s',
    retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '30s', maximumAttempts: 10 },
  });
  const tools = proxyActivities<ToolActivities>({ taskQueue: taskQueues.tools, startToCloseTimeout: '30s', scheduleToCloseTimeout: '5m' });
  const connector = proxyActivities<ConnectorActivities>({
    taskQueue: taskQueues.connector,
    startToCloseTimeout: '60s',
    heartbeatTimeout: '10s',
    scheduleToCloseTimeout: '30m',
  });

  const finish = async (result: ScheduledTurnResult): Promise<ScheduledTurnResult> => {
    if (input.oneShot) await agent.deleteSchedule({ scheduleId: input.scheduleId });
    log.info('Scheduled turn done', { scheduleId: input.scheduleId, ...result });
    return result;
  };

  if (input.activeHours && !withinActiveHours(new Date(), input.activeHours)) return finish({ status: 'skipped', detail: 'outside active hours' });
  const sessionKey =
    input.sessionKey ??
    (input.session === 'main' ? mainSessionKey(input.agentId) : sessionKeyOf(input.agentId, 'cron', `${input.jobName}-${info.workflowId.slice(-20)}`));
  // The agent's own HEARTBEAT.md (its workspace: the session key names the agent).
  const text = input.kind === 'heartbeat' ? await tools.heartbeatPrompt({ silentToken: input.silentToken ?? 'HEARTBEAT_OK', sessionKey }) : input.message!;
  // The workflow id is unique per firing: a retried activity finds the turn already answered and gets its reply.
  // The heartbeat (the owner's HEARTBEAT.md) and the owner's own jobs speak for the owner; a webhook's sender never does.
  const fromAgentOwner = input.kind === 'heartbeat' || (input.kind === 'cron' && input.fromAgentOwner === true);
  // A schedule names its runs by the second: a run asked for in the same second as the last (`heartbeat run` right
  // after a firing) has the same workflow id, and was taken for the last one's turn. Its run id tells it apart (runs
  // started before this fix replay as they ran).
  const firing = patched('firing-run-id') ? `${info.workflowId}:${info.firstExecutionRunId}` : info.workflowId;
  const outcome = await agent.runSessionTurn({
    sessionKey,
    messageId: `${input.scheduleId}:${firing}`,
    text,
    sender: input.kind,
    ...(fromAgentOwner ? { fromAgentOwner } : {}),
  });
  if (outcome.error) return finish({ status: 'failed', detail: outcome.error });

  const reply = outcome.reply.trim();
  if (input.kind === 'heartbeat' && isSilent(reply, input.silentToken ?? 'HEARTBEAT_OK')) return finish({ status: 'silent', detail: 'nothing to report' });
  // A hook that names no chat keeps its answer in its session, as documented: never the main session's last chat
  // (runs started before this fix replay as they ran).
  const keptInSession = input.kind === 'hook' && !input.to && patched('hook-answer-stays');
  const target = input.to ?? (keptInSession ? undefined : outcome.lastRoute);
  if (!target) return finish({ status: 'recorded', detail: `answer kept in ${sessionKey}; no channel to send it to` });
  try {
    await connector.deliver({ route: target, text: reply, idempotencyKey: firing });
  } catch (error) {
    // The job's last outcome says why (`clawflow cron list`); the next firing is not held up by this one.
    if (!(error instanceof ActivityFailure)) throw error;
    const reason = error.cause instanceof Error ? error.cause.message : error.message;
    return finish({ status: 'failed', detail: `could not send to ${target.channel}:${target.chat}: ${reason}` });
  }
  return finish({ status: 'delivered', detail: `sent to ${target.channel}:${target.chat}` });
}

/** The token alone, or with a little decoration ("HEARTBEAT_OK.", "All quiet. HEARTBEAT_OK"). */
export function isSilent(reply: string, token: string): boolean {
  if (!reply.includes(token)) return false;
  return reply.replace(token, '').replace(/[\s.!,:;-]/g, '').length <= 30;
}
