import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { claimRun } from '../../src/workers/run-records.js';

/** The pid of a process that has exited. */
function deadPid(): number {
  return spawnSync(process.execPath, ['-e', '']).pid!;
}

describe('run records: whether the last run stopped cleanly', () => {
  it('hands the records of dead processes to the next start once, and leaves live ones and its own alone', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'clawflow-run-')), 'run');
    mkdirSync(dir);
    const dead = deadPid();
    writeFileSync(join(dir, `${dead}.json`), JSON.stringify({ pid: dead, identity: `clawflow-${dead}-x@host`, startedAt: '2026-11-26T00:00:00.000Z' }));
    // A live ClawFlow process that is not this one.
    const other = spawn(process.execPath, ['-e', 'console.log("up"); setTimeout(() => {}, 30000)', 'clawflow-worker']);
    await new Promise((resolve) => other.stdout.once('data', resolve));
    writeFileSync(join(dir, `${other.pid}.json`), JSON.stringify({ pid: other.pid, identity: 'alive@host', startedAt: '2026-11-26T00:00:00.000Z' }));
    // A pid the system gave to some other program since (the parent of the test runner is no ClawFlow).
    writeFileSync(join(dir, `${process.ppid}.json`), JSON.stringify({ pid: process.ppid, identity: 'reused@host', startedAt: '2026-11-26T00:00:00.000Z' }));
    writeFileSync(join(dir, 'torn.json'), '{"pid": 12');

    const claim = claimRun(dir);
    other.kill();
    expect(
      claim
        .takeInterrupted()
        .map((r) => r.identity)
        .sort(),
    ).toEqual([`clawflow-${dead}-x@host`, 'reused@host']);
    // Handed out once: the workers and the connectors of one process do not both resume them.
    expect(claim.takeInterrupted()).toEqual([]);
    expect(claim.identity).toMatch(new RegExp(`^clawflow-\\d+\\.\\d+\\.\\d+[^-]*-${process.pid}-`));
    expect(readdirSync(dir).sort()).toEqual([`${process.pid}.json`, `${other.pid}.json`].sort());
    // Once per process: the connectors and workers of one process share the claim.
    expect(claimRun(dir)).toBe(claim);

    claim.release();
    expect(existsSync(join(dir, `${process.pid}.json`))).toBe(false);
  });
});
