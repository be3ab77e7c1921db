import { describe, expect, it } from 'vitest';
import { pidOfWorker, releaseOfWorker, workerIdentity } from '../../src/contracts/worker-identity.js';
import { mixedReleases } from '../../src/stack/doctor.js';

describe('worker identities name their release, and doctor notices two releases at once', () => {
  it('reads the release back from an identity, and nothing from another worker', () => {
    expect(releaseOfWorker(workerIdentity('0.10.0', 4242, 'a1b2c3d4', 'box.local'))).toBe('0.10.0');
    expect(pidOfWorker(workerIdentity('0.10.0', 4242, 'a1b2c3d4', 'box.local'))).toBe(4242);
    expect(pidOfWorker(workerIdentity('1.2.0-rc.1', 7, 'a1b2c3d4', 'h'))).toBe(7);
    expect(releaseOfWorker(workerIdentity('1.2.0-rc.1', 7, 'a1b2c3d4', 'h'))).toBe('1.2.0-rc.1');
    expect(releaseOfWorker('clawflow-4242-a1b2c3d4@box.local')).toBeNull();
    expect(releaseOfWorker('12345@some-go-worker')).toBeNull();
  });

  it('warns when workers of two releases poll, naming each with its process count; one release is fine', () => {
    const at = new Date();
    const poller = (release: string, pid: number) => ({ identity: workerIdentity(release, pid, 'a1b2c3d4', 'h'), at });
    expect(mixedReleases([poller('0.10.0', 1), poller('0.10.0', 1), poller('0.10.0', 2)])).toBeNull();
    expect(mixedReleases([poller('0.10.0', 1), poller('0.10.0', 2), poller('0.11.0', 3), { identity: 'clawflow-9-a1b2c3d4@h', at }])).toEqual({
      check: 'worker releases',
      verdict: 'warn',
      detail: expect.stringContaining('0.10.0 (2 processes), 0.11.0 (1 process), older than 0.10.0, or not ClawFlow (1 process)'),
    });
  });
});
