import type { Client } from '@temporalio/client';
import { pidOfWorker } from '../../src/contracts/worker-identity.js';

/**
 * The pid of the worker process whose model call a session waits on, from the identity Temporal knows it by: the worker of its pending `invokeAgent` activity, or — when the session worker calls the runtime itself
 * (a local activity) — the worker holding its open workflow task.
 */
export async function modelCallHolderPid(client: Client, workflowId: string): Promise<number> {
  const handle = client.workflow.getHandle(workflowId);
  const { raw } = await handle.describe();
  const activity = raw.pendingActivities?.find((a) => a.activityType?.name === 'invokeAgent');
  const identity =
    activity?.lastWorkerIdentity ??
    (await handle.fetchHistory()).events!.findLast((e) => e.workflowTaskStartedEventAttributes)?.workflowTaskStartedEventAttributes?.identity;
  const pid = pidOfWorker(identity ?? '');
  if (pid === null) throw new Error(`no worker holds a model call of ${workflowId} (identity ${identity})`);
  return pid;
}
