import { ApplicationFailure } from '@temporalio/common';
import type { Client } from '@temporalio/client';
import protos, { type temporal } from '@temporalio/proto';
import type { Logger } from '../logger.js';
import { sessionSearchAttributes as sa } from '../workflows/search-attributes.js';
import type { RunRecord } from './run-records.js';

/** The failure type an interrupted step is retried (or, for a tool call, reported) with. */
export const workerStoppedType = 'WorkerStopped';

export interface InterruptedStep {
  workflowId: string;
  activityType: string;
  worker: string;
}

/**
 * The workflows that may have a step in flight: sessions in a turn or waiting on an approval, sessions that answered
 * recently (their delivery may still be going out, for as long as a delivery keeps retrying), and scheduled turns.
 */
export function candidatesQuery(now: Date, deliveryRetrySeconds: number): string {
  const since = new Date(now.getTime() - (deliveryRetrySeconds + 300) * 1000).toISOString();
  return [
    'ExecutionStatus="Running" AND (',
    `${sa.status.name} IN ("running", "awaiting-approval")`,
    `OR ${sa.lastActivity.name} > "${since}"`,
    'OR WorkflowType="ScheduledTurnWorkflow")',
  ].join(' ');
}

/**
 * After an unclean stop, makes the steps the dead workers were running move on now instead of after their heartbeat
 * or start-to-close timeout: each such activity attempt is failed on the server, so Temporal's retry policy takes
 * over at once — a model call or a delivery is tried again (deliveries skip the parts already sent), a tool call,
 * which runs at most once, is reported to the model as not finished. A finished step is never touched: only
 * attempts still marked as started by a dead worker are.
 */
export async function resumeInterruptedSteps(
  client: Client,
  interrupted: readonly RunRecord[],
  options: { deliveryRetrySeconds: number; logger: Logger },
): Promise<InterruptedStep[]> {
  const dead = new Map(interrupted.map((r) => [r.identity, r]));
  if (!dead.size) return [];
  const resumed: InterruptedStep[] = [];
  for await (const execution of client.workflow.list({ query: candidatesQuery(new Date(), options.deliveryRetrySeconds) })) {
    let pending: temporal.api.workflow.v1.IPendingActivityInfo[];
    try {
      const description = await client.workflow.getHandle(execution.workflowId, execution.runId).describe();
      pending = description.raw.pendingActivities ?? [];
    } catch (error) {
      options.logger.debug(
        { workflowId: execution.workflowId, err: (error as Error).message },
        'could not describe a workflow while resuming interrupted steps',
      );
      continue;
    }
    let unstuck = false;
    for (const activity of pending) {
      const holder = activity.lastWorkerIdentity ? dead.get(activity.lastWorkerIdentity) : undefined;
      if (!holder || activity.state !== protos.temporal.api.enums.v1.PendingActivityState.PENDING_ACTIVITY_STATE_STARTED || !activity.activityId) continue;
      const step: InterruptedStep = { workflowId: execution.workflowId, activityType: activity.activityType?.name ?? 'activity', worker: holder.identity };
      try {
        // The workflow may be cached by a dead worker: its next task goes to any live worker, not to the dead one's queue.
        if (!unstuck) {
          await client.workflowService.resetStickyTaskQueue({
            namespace: client.options.namespace,
            execution: { workflowId: execution.workflowId, runId: execution.runId },
          });
          unstuck = true;
        }
        await client.activity.fail(
          { workflowId: execution.workflowId, runId: execution.runId, activityId: activity.activityId },
          ApplicationFailure.create({ message: `the worker running it stopped (process ${holder.pid})`, type: workerStoppedType, nextRetryDelay: '100ms' }),
        );
        resumed.push(step);
      } catch (error) {
        // Finished, timed out or taken over meanwhile: nothing left to resume.
        options.logger.debug({ ...step, err: (error as Error).message }, 'an interrupted step had already moved on');
      }
    }
  }
  return resumed;
}

/** After an unclean stop, resumes in the background what the dead workers left; logs what it did. */
export function resumeAfterUncleanStop(client: Client, interrupted: readonly RunRecord[], options: { deliveryRetrySeconds: number; logger: Logger }): void {
  if (!interrupted.length) return;
  const { logger } = options;
  const started = performance.now();
  resumeInterruptedSteps(client, interrupted, options).then(
    (steps) =>
      logger.info(
        { workers: interrupted.map((r) => r.pid), steps: steps.map((s) => `${s.workflowId} ${s.activityType}`), ms: Math.round(performance.now() - started) },
        steps.length
          ? `the previous run stopped uncleanly: resumed ${steps.length} interrupted step(s) now`
          : 'the previous run stopped uncleanly; no step was left in flight',
      ),
    (error: unknown) =>
      logger.warn({ err: (error as Error).message }, 'could not look for steps the previous run left in flight; they resume after their heartbeat timeout'),
  );
}
