import type { ClawflowConfig } from '../config/load.js';
import { devServerHttpPort, temporalAddress } from '../temporal/address.js';
import { temporalConnectionOptions } from '../temporal/connection-options.js';
import { grpcCodeOf, grpcCodes } from '../temporal/grpc-codes.js';
import { temporalHttp } from '../temporal/http-api.js';
import { taskQueueKind } from '../workflows/task-queues.js';

/**
 * What the doctor and `clawflow status` read of Temporal: whether the namespace is there, ClawFlow's search
 * attributes, and which workers poll each queue. Over gRPC, or over the HTTP API of the dev server `clawflow start`
 * runs (no gRPC client to load: `clawflow status` in a third of the time).
 */
/** A worker polling a task queue: its identity (ClawFlow's name the release: see workers/run-records.ts) and when it last polled. */
export interface Poller {
  identity: string;
  at: Date;
}

export interface TemporalReader {
  /** Where it reads (for the findings' wording). */
  address: string;
  namespaceExists(): Promise<boolean>;
  searchAttributeNames(): Promise<string[]>;
  /** Each worker polling `queue` (for its kind of task): who it is and when it last polled. */
  pollers(queue: string): Promise<Poller[]>;
  /** Tasks waiting on `queue` for a worker to take them (Temporal's approximate count): tool calls, on the tools queue. */
  backlog(queue: string): Promise<number>;
  /** The build id current in Worker Deployment `name`: null when none is (or there is no such deployment yet). */
  currentBuild(name: string): Promise<string | null>;
  close(): Promise<void>;
}

/** The reader over gRPC; rejects when nothing answers at the address. */
export async function grpcReader(config: ClawflowConfig): Promise<TemporalReader> {
  const [{ Connection }, { default: proto }] = await Promise.all([import('@temporalio/client'), import('@temporalio/proto')]);
  const { TaskQueueType } = proto.temporal.api.enums.v1;
  const options = temporalConnectionOptions(config);
  const address = options.address;
  const { namespace } = config.temporal;
  const connection = await Connection.connect({ ...options, connectTimeout: 3000 });
  return {
    address,
    namespaceExists: () =>
      connection.workflowService.describeNamespace({ namespace }).then(
        () => true,
        () => false,
      ),
    searchAttributeNames: async () => Object.keys((await connection.operatorService.listSearchAttributes({ namespace })).customAttributes ?? {}),
    pollers: async (queue) => {
      const taskQueueType = taskQueueKind(queue) === 'workflow' ? TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW : TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY;
      const { pollers } = await connection.workflowService.describeTaskQueue({ namespace, taskQueue: { name: queue }, taskQueueType });
      return (pollers ?? []).map((p) => ({ identity: p.identity ?? '', at: new Date(Number(p.lastAccessTime?.seconds ?? 0) * 1000) }));
    },
    backlog: async (queue) => {
      const taskQueueType = taskQueueKind(queue) === 'workflow' ? TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW : TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY;
      const { stats } = await connection.workflowService.describeTaskQueue({ namespace, taskQueue: { name: queue }, taskQueueType, reportStats: true });
      return Number(stats?.approximateBacklogCount ?? 0);
    },
    currentBuild: async (deploymentName) => {
      try {
        const { workerDeploymentInfo } = await connection.workflowService.describeWorkerDeployment({ namespace, deploymentName });
        return workerDeploymentInfo?.routingConfig?.currentDeploymentVersion?.buildId || null;
      } catch (error) {
        if (grpcCodeOf(error) === grpcCodes.notFound) return null;
        if (grpcCodeOf(error) === grpcCodes.unimplemented) throw new Error('this server has no Worker Deployments (1.27 and later have them)');
        throw error;
      }
    },
    close: () => connection.close(),
  };
}

/** The reader over the dev server's HTTP API; null when this install runs no dev server or it does not answer. */
export async function httpReader(config: ClawflowConfig): Promise<TemporalReader | null> {
  const port = devServerHttpPort(config);
  if (port === null) return null;
  const base = `/api/v1/namespaces/${encodeURIComponent(config.temporal.namespace)}`;
  const get = async (path: string): Promise<{ status: number; body: Record<string, unknown> }> => {
    const answer = await temporalHttp(port, 'GET', path);
    return { status: answer.status, body: answer.body && typeof answer.body === 'object' ? (answer.body as Record<string, unknown>) : {} };
  };
  let namespace: { status: number };
  try {
    namespace = await get(base);
  } catch {
    return null;
  }
  return {
    address: temporalAddress(config),
    // Asked once: the answer that showed the server is there.
    namespaceExists: () => Promise.resolve(namespace.status === 200),
    searchAttributeNames: async () => Object.keys((await get(`${base}/search-attributes`)).body.customAttributes ?? {}),
    pollers: async (queue) => {
      const { status, body } = await get(
        `${base}/task-queues/${encodeURIComponent(queue)}?taskQueueType=${taskQueueKind(queue) === 'workflow' ? 'TASK_QUEUE_TYPE_WORKFLOW' : 'TASK_QUEUE_TYPE_ACTIVITY'}`,
      );
      if (status !== 200) throw new Error(`Temporal's HTTP API answered ${status} for the ${queue} queue`);
      const pollers = Array.isArray(body.pollers) ? (body.pollers as Array<{ lastAccessTime?: string; identity?: string }>) : [];
      return pollers.map((p) => ({ identity: p.identity ?? '', at: new Date(p.lastAccessTime ?? 0) }));
    },
    backlog: async (queue) => {
      const kind = taskQueueKind(queue) === 'workflow' ? 'TASK_QUEUE_TYPE_WORKFLOW' : 'TASK_QUEUE_TYPE_ACTIVITY';
      const { status, body } = await get(`${base}/task-queues/${encodeURIComponent(queue)}?taskQueueType=${kind}&reportStats=true`);
      if (status !== 200) throw new Error(`Temporal's HTTP API answered ${status} for the ${queue} queue`);
      return Number((body.stats as { approximateBacklogCount?: string | number } | undefined)?.approximateBacklogCount ?? 0);
    },
    currentBuild: async (deploymentName) => {
      const { status, body } = await get(`${base}/worker-deployments/${encodeURIComponent(deploymentName)}`);
      if (status === 404) return null;
      if (status !== 200) throw new Error(`Temporal's HTTP API answered ${status} for the worker deployment ${deploymentName}`);
      const info = body.workerDeploymentInfo as { routingConfig?: { currentDeploymentVersion?: { buildId?: string } } } | undefined;
      return info?.routingConfig?.currentDeploymentVersion?.buildId || null;
    },
    close: () => Promise.resolve(),
  };
}
