import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { promoteCommand, promotionFor, sessionsDeployment } from '../../src/temporal/worker-deployment.js';

describe('which build a starting sessions worker makes current', () => {
  it('takes over when nothing is current yet: a first start, or an upgrade from a release before versioning', () => {
    expect(promotionFor('0.11.0', { current: null, own: 'unknown' })).toMatchObject({ action: 'promote' });
  });

  it('moves sessions forward to a newer release, and leaves a build that is already current alone', () => {
    expect(promotionFor('0.11.0', { current: '0.10.0', own: 'inactive' })).toMatchObject({ action: 'promote' });
    expect(promotionFor('0.11.0', { current: '0.9.2', own: 'unknown' })).toMatchObject({ action: 'promote' });
    expect(promotionFor('0.11.0', { current: '0.11.0', own: 'current' })).toMatchObject({ action: 'none' });
  });

  it('never hands sessions back to older code', () => {
    // An old worker started (or restarted) while a newer release is current.
    expect(promotionFor('0.10.0', { current: '0.11.0', own: 'inactive' })).toMatchObject({ action: 'leave', why: expect.stringContaining('older') });
    // A build that was current and was replaced does not take the sessions back, whatever the other build is called.
    expect(promotionFor('0.11.0', { current: 'hotfix-7', own: 'draining' })).toMatchObject({ action: 'leave' });
    expect(promotionFor('0.11.0', { current: null, own: 'drained' })).toMatchObject({ action: 'leave' });
  });

  it('does not guess between build ids that are not releases, nor between two builds of one release', () => {
    expect(promotionFor('0.11.0', { current: 'my-build', own: 'inactive' })).toMatchObject({ action: 'leave' });
    expect(promotionFor('my-build', { current: '0.11.0', own: 'inactive' })).toMatchObject({ action: 'leave' });
    expect(promotionFor('0.11.0+patched', { current: '0.11.0', own: 'inactive' })).toMatchObject({
      action: 'leave',
      why: expect.stringContaining('same release'),
    });
  });

  it('names the build from the release unless configured, and is off when asked', () => {
    const config = loadConfig({ CLAWFLOW_HOME: '/tmp/clawflow-deployment-test' });
    expect(sessionsDeployment(config, '0.11.0')).toEqual({ deploymentName: 'clawflow', buildId: '0.11.0', promote: 'auto' });
    const manual = loadConfig({
      CLAWFLOW_HOME: '/tmp/clawflow-deployment-test',
      CLAWFLOW_WORKER_VERSIONING: 'manual',
      CLAWFLOW_WORKER_BUILD_ID: '0.11.0-rc.1',
    });
    const deployment = sessionsDeployment(manual, '0.11.0')!;
    expect(deployment).toEqual({ deploymentName: 'clawflow', buildId: '0.11.0-rc.1', promote: 'manual' });
    expect(promoteCommand({ ...manual, temporal: { ...manual.temporal, address: 'temporal.internal:7233', namespace: 'prod' } }, deployment.buildId)).toBe(
      'temporal worker deployment set-current-version --address temporal.internal:7233 --namespace prod --deployment-name clawflow --build-id 0.11.0-rc.1',
    );
    expect(sessionsDeployment(loadConfig({ CLAWFLOW_HOME: '/tmp/clawflow-deployment-test', CLAWFLOW_WORKER_VERSIONING: 'off' }), '0.11.0')).toBeNull();
  });

  it('answers a bad setting with what is wrong', () => {
    expect(() => loadConfig({ CLAWFLOW_HOME: '/tmp/clawflow-deployment-test', CLAWFLOW_WORKER_VERSIONING: 'sometimes' })).toThrow(/workerVersioning\.mode/);
    expect(() => loadConfig({ CLAWFLOW_HOME: '/tmp/clawflow-deployment-test', CLAWFLOW_WORKER_DEPLOYMENT: 'claw.flow' })).toThrow(/no dots/);
  });
});
