import type { ConnectionLike } from '@temporalio/client';
import semver from 'semver';
import type { ClawflowConfig } from '../config/load.js';
import { temporalAddress } from './address.js';
import { grpcCodeOf, grpcCodes } from './grpc-codes.js';

/**
 * Temporal's Worker Deployments for the sessions worker: every sessions worker names its build (the release by
 * default) in one deployment, and the server sends a session's workflow tasks only to workers of the deployment's
 * current build. A session that newer code has moved on is never handed back to older code during a rolling deploy;
 * sessions follow the current build at their next task (auto-upgrade), which `patched()` and the committed histories
 * make safe.
 */

/** The versioning a sessions worker uses, from `temporal.workerVersioning`; null when it is off. */
export interface SessionsDeployment {
  deploymentName: string;
  buildId: string;
  /** `auto`: a worker makes its build current when it is newer than the current one. `manual`: the operator does. */
  promote: 'auto' | 'manual';
}

export function sessionsDeployment(config: ClawflowConfig, release: string): SessionsDeployment | null {
  const { mode, deploymentName, buildId } = config.temporal.workerVersioning;
  if (mode === 'off') return null;
  return { deploymentName, buildId: buildId ?? release, promote: mode };
}

/** A version's state in its deployment, as the server reports it. */
export type VersionStatus = 'unknown' | 'inactive' | 'current' | 'ramping' | 'draining' | 'drained';

/** What the deployment looks like: its current build (null: unversioned workers get the tasks), and this build's status. */
export interface DeploymentState {
  current: string | null;
  own: VersionStatus;
}

export type Promotion = { action: 'none'; why: string } | { action: 'promote'; why: string } | { action: 'leave'; why: string };

/**
 * The `temporal` CLI command that makes `buildId` current in the configured namespace's deployment (an empty build id:
 * unversioned workers). TLS and API keys come from the CLI's own settings (the same TEMPORAL_* and profile).
 */
export function promoteCommand(config: ClawflowConfig, buildId: string): string {
  const { namespace, workerVersioning } = config.temporal;
  return `temporal worker deployment set-current-version --address ${temporalAddress(config)} --namespace ${namespace} --deployment-name ${workerVersioning.deploymentName} --build-id ${buildId || '""'}`;
}

/**
 * Whether a starting worker of build `own` makes itself current. Only forward: when nothing is current yet (a first
 * versioned start, or an upgrade from a release before versioning), or when the current build is an older release.
 * Never back: not over a newer release, not over a build id someone set by hand, and not when this build was current
 * once and has since been replaced (an old worker restarting mid-deploy must not take the sessions back).
 */
export function promotionFor(own: string, state: DeploymentState): Promotion {
  if (state.current === own) return { action: 'none', why: `${own} is current` };
  if (state.own === 'draining' || state.own === 'drained')
    return { action: 'leave', why: `${own} was current and ${state.current ? `${state.current} replaced it` : 'was replaced'}` };
  if (state.current === null) return { action: 'promote', why: `no build is current yet` };
  const [ownVersion, currentVersion] = [semver.valid(own), semver.valid(state.current)];
  if (!ownVersion || !currentVersion) return { action: 'leave', why: `${state.current} is current and the two build ids are not both release versions` };
  if (semver.gt(ownVersion, currentVersion)) return { action: 'promote', why: `${own} is newer than ${state.current}` };
  return { action: 'leave', why: `${state.current} is current, and ${own} is ${semver.eq(ownVersion, currentVersion) ? 'the same release' : 'older'}` };
}

const statusNames: Record<number, VersionStatus> = { 1: 'inactive', 2: 'current', 3: 'ramping', 4: 'draining', 5: 'drained' };

/** The deployment as the server has it; `unsupported` when the server has no Worker Deployments (older than 1.27). */
export async function readDeployment(connection: ConnectionLike, namespace: string, deployment: SessionsDeployment): Promise<DeploymentState | 'unsupported'> {
  try {
    const { workerDeploymentInfo: info } = await connection.workflowService.describeWorkerDeployment({ namespace, deploymentName: deployment.deploymentName });
    const own = info?.versionSummaries?.find((v) => v.deploymentVersion?.buildId === deployment.buildId);
    return {
      current: info?.routingConfig?.currentDeploymentVersion?.buildId || null,
      own: own ? (statusNames[own.status ?? 0] ?? 'unknown') : 'unknown',
    };
  } catch (error) {
    const code = grpcCodeOf(error);
    if (code === grpcCodes.notFound) return { current: null, own: 'unknown' };
    if (code === grpcCodes.unimplemented) return 'unsupported';
    throw error;
  }
}

/** Makes `deployment`'s build current (once its workers poll: the server refuses a build nothing polls). */
export async function makeCurrent(connection: ConnectionLike, namespace: string, deployment: SessionsDeployment, identity: string): Promise<void> {
  await connection.workflowService.setWorkerDeploymentCurrentVersion({
    namespace,
    deploymentName: deployment.deploymentName,
    buildId: deployment.buildId,
    identity,
  });
}
