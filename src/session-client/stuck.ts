import type { Client, WorkflowExecutionDescription } from '@temporalio/client';
import protos from '@temporalio/proto';

const EventType = protos.temporal.api.enums.v1.EventType;

/** A session whose workflow task keeps failing: no message of it will be answered until it is repaired. */
export interface StuckSession {
  runId: string;
  attempts: number;
  reason: string;
}

/**
 * Whether a running session is stuck: its workflow task has failed and keeps being retried (a change of workflow code
 * that breaks its history, say). A task retried after a worker died is not stuck: only a recorded failure is.
 */
export async function stuckSession(client: Client, workflowId: string, description?: WorkflowExecutionDescription): Promise<StuckSession | null> {
  const described = description ?? (await client.workflow.getHandle(workflowId).describe());
  if (described.status.name !== 'RUNNING') return null;
  const attempts = described.raw.pendingWorkflowTask?.attempt ?? 0;
  if (attempts < 2) return null;
  const page = await client.workflowService.getWorkflowExecutionHistoryReverse({
    namespace: client.options.namespace,
    execution: { workflowId, runId: described.runId },
    maximumPageSize: 100,
  });
  const failed = (page.history?.events ?? []).find((e) => e.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED);
  const failure = failed?.workflowTaskFailedEventAttributes?.failure;
  if (!failure) return null;
  return { runId: described.runId, attempts, reason: failure.message ?? 'workflow task failed' };
}
