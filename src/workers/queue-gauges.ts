import type { Client } from '@temporalio/client';
import protos from '@temporalio/proto';
import { Runtime } from '@temporalio/worker';
import type { Logger } from '../logger.js';
import { awaitingApprovalQuery } from '../contracts/search-attribute-names.js';
import { taskQueueKind, taskQueues } from '../workflows/task-queues.js';

const { TaskQueueType } = protos.temporal.api.enums.v1;

/**
 * Two gauges for Prometheus (metrics.port), read from Temporal every `everyMs`: `clawflow_queue_backlog{queue}` —
 * tasks waiting for a worker on each task queue (Temporal's approximate backlog; a queue whose workers are gone
 * grows) — and `clawflow_approvals_waiting` — sessions waiting on the user to approve a command. Returns a stop.
 */
export function startQueueGauges(client: Client, logger: Logger, everyMs = 5000): () => void {
  const meter = Runtime.instance().metricMeter;
  const backlog = meter.createGauge('clawflow_queue_backlog', 'int', 'tasks', 'Tasks waiting on a task queue for a worker (approximate)');
  const approvals = meter.createGauge('clawflow_approvals_waiting', 'int', 'sessions', 'Sessions waiting on the user to approve a command');
  const namespace = client.options.namespace;
  const read = async (): Promise<void> => {
    try {
      for (const queue of Object.values(taskQueues)) {
        const taskQueueType = taskQueueKind(queue) === 'workflow' ? TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW : TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY;
        const described = await client.workflowService.describeTaskQueue({ namespace, taskQueue: { name: queue }, taskQueueType, reportStats: true });
        backlog.set(Number(described.stats?.approximateBacklogCount ?? 0), { queue });
      }
      const waiting = await client.workflowService.countWorkflowExecutions({
        namespace,
        query: awaitingApprovalQuery,
      });
      approvals.set(Number(waiting.count ?? 0));
    } catch (error) {
      logger.debug({ err: (error as Error).message }, 'could not read the queue and approval gauges');
    }
  };
  void read();
  const timer = setInterval(() => void read(), everyMs);
  timer.unref();
  return () => clearInterval(timer);
}
