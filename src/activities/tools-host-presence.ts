import type { Client } from '@temporalio/client';
import protos from '@temporalio/proto';
import type { ToolsHostActivities } from '../contracts/activities.js';
import { taskQueues } from '../workflows/task-queues.js';

const { TaskQueueType } = protos.temporal.api.enums.v1;

/** A worker long-polls for at most a minute: one that polled within this long is there. */
const recentPollMs = 75_000;

/** Whether a tools host is polling now, from Temporal's record of the tools queue's pollers. */
export function createToolsHostActivities(client: Client, now: () => number = Date.now): ToolsHostActivities {
  return {
    async toolsHostPresent() {
      const { pollers } = await client.workflowService.describeTaskQueue({
        namespace: client.options.namespace,
        taskQueue: { name: taskQueues.tools },
        taskQueueType: TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY,
      });
      return (pollers ?? []).some((p) => now() - Number(p.lastAccessTime?.seconds ?? 0) * 1000 < recentPollMs);
    },
  };
}
