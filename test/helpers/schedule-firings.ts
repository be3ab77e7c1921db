import type { Client } from '@temporalio/client';

/** How many runs of a schedule (a job's firings) are in a state, from Temporal's visibility. */
export async function scheduleFirings(client: Client, scheduleId: string, status: 'Running' | 'Completed'): Promise<number> {
  return (await client.workflow.count(`WorkflowType="ScheduledTurnWorkflow" AND TemporalScheduledById="${scheduleId}" AND ExecutionStatus="${status}"`)).count;
}
