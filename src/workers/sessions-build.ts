import { setTimeout as sleep } from 'node:timers/promises';
import type { ConnectionLike } from '@temporalio/client';
import type { WorkerDeploymentOptions } from '@temporalio/worker';
import type { ClawflowConfig } from '../config/load.js';
import type { Logger } from '../logger.js';
import { grpcCodeOf, grpcCodes } from '../temporal/grpc-codes.js';
import { clawflowVersion } from '../tools/user-agent.js';
import { makeCurrent, promoteCommand, promotionFor, readDeployment, sessionsDeployment, type SessionsDeployment } from '../temporal/worker-deployment.js';

/** The sessions worker's Worker Deployment options: its build, and sessions that follow the current build. */
export function deploymentOptions(deployment: SessionsDeployment): WorkerDeploymentOptions {
  return {
    version: { deploymentName: deployment.deploymentName, buildId: deployment.buildId },
    useWorkerVersioning: true,
    // A session moves to the current build at its next workflow task: patched() and the committed histories make
    // sure the newer code replays what the older recorded.
    defaultVersioningBehavior: 'AUTO_UPGRADE',
  };
}

/**
 * Versioning for this process's sessions worker: the deployment, or null when it is off or the server has no Worker
 * Deployments (then the worker runs unversioned, as before, and says so).
 */
export async function sessionsVersioning(connection: ConnectionLike, config: ClawflowConfig, logger: Logger): Promise<SessionsDeployment | null> {
  const { namespace } = config.temporal;
  const deployment = sessionsDeployment(config, clawflowVersion);
  if (!deployment) {
    // Unversioned by choice: if a build is current, the server sends sessions to that build only, never here.
    const { deploymentName } = config.temporal.workerVersioning;
    const state = await readDeployment(connection, namespace, { deploymentName, buildId: '', promote: 'manual' }).catch(() => null);
    if (state && state !== 'unsupported' && state.current)
      logger.error(
        { current: state.current },
        `this sessions worker runs unversioned (temporal.workerVersioning.mode off) but build ${state.current} is current: it gets no session tasks. Turn versioning back on, or: ${promoteCommand(config, '')}`,
      );
    return null;
  }
  const state = await readDeployment(connection, namespace, deployment).catch((error: Error) => {
    // Not readable now (a key without the right, say): the worker stays versioned and says what it could not read.
    logger.warn({ err: error.message }, 'could not read the Worker Deployment; the sessions worker runs versioned all the same');
    return null;
  });
  if (state !== 'unsupported') return deployment;
  logger.warn('this Temporal server has no Worker Deployments (1.27 and later have them): the sessions worker runs unversioned');
  return null;
}

/**
 * Once this process's sessions worker polls: makes its build current when it should (see `promotionFor`), so that
 * sessions move to it; otherwise says why it gets no session tasks and how to change that. The server takes a build
 * as current only once it has seen its workers poll, so a refusal is asked again for up to `withinMs`.
 */
export async function settleSessionsBuild(
  connection: ConnectionLike,
  config: ClawflowConfig,
  deployment: SessionsDeployment,
  identity: string,
  logger: Logger,
  withinMs = 60_000,
): Promise<void> {
  const { namespace } = config.temporal;
  const deadline = Date.now() + withinMs;
  for (;;) {
    try {
      const state = await readDeployment(connection, namespace, deployment);
      if (state === 'unsupported') return;
      const decision = promotionFor(deployment.buildId, state);
      if (decision.action === 'none') return;
      if (decision.action === 'leave' || deployment.promote === 'manual') {
        logger.warn(
          { buildId: deployment.buildId, current: state.current, why: decision.why },
          `this sessions worker gets session tasks only while its build is current; to move sessions to it: ${promoteCommand(config, deployment.buildId)}`,
        );
        return;
      }
      await makeCurrent(connection, namespace, deployment, identity);
      logger.info(
        { buildId: deployment.buildId, previous: state.current ?? 'unversioned', why: decision.why },
        'this build is now current: sessions move to it at their next task',
      );
      return;
    } catch (error) {
      // Refused for good (a key without the right to change deployments), or still refused after a while.
      if (grpcCodeOf(error) === grpcCodes.permissionDenied || Date.now() > deadline) {
        logger.error(
          { buildId: deployment.buildId, err: (error as Error).message },
          `could not make this build current: ${promoteCommand(config, deployment.buildId)}`,
        );
        return;
      }
      await sleep(500);
    }
  }
}
