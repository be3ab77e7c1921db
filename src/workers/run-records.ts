import { randomUUID } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { processAlive } from '../config/running-stack.js';
import { workerIdentity } from '../contracts/worker-identity.js';
import { clawflowVersion } from '../tools/user-agent.js';

/**
 * Which worker processes of this state dir are running, so that a process starting after an unclean stop (kill -9,
 * a crash, a power cut) knows whose work was cut off: `<home>/run/<pid>.json` names the Temporal worker
 * identity of a running process; a clean stop removes it; a record whose process is gone is what an unclean stop
 * leaves behind.
 */
const recordSchema = z.object({ pid: z.number().int().positive(), identity: z.string().min(1), startedAt: z.string() });
export type RunRecord = z.infer<typeof recordSchema>;

export interface RunClaim {
  /** The Temporal worker identity every worker of this process uses. */
  identity: string;
  /**
   * Workers of this state dir that stopped without cleaning up (their steps in flight were cut off) — handed out once,
   * so that a process running workers and connectors (`clawflow start`) resumes their steps once.
   */
  takeInterrupted(): RunRecord[];
  /** Removes this process's record: call on a clean stop. */
  release(): void;
}

const claims = new Map<string, RunClaim>();

/**
 * Records this process as running in `runDir` and takes over the records of processes that died without removing
 * theirs. Once per process: the workers and connectors of one process share one identity and one record.
 */
export function claimRun(runDir: string): RunClaim {
  const claimed = claims.get(runDir);
  if (claimed) return claimed;
  mkdirSync(runDir, { recursive: true, mode: 0o700 });
  const interrupted: RunRecord[] = [];
  for (const name of readdirSync(runDir)) {
    if (!name.endsWith('.json')) continue;
    const path = join(runDir, name);
    let record: RunRecord;
    try {
      record = recordSchema.parse(JSON.parse(readFileSync(path, 'utf8')));
    } catch {
      // Half written by a process killed while writing it, or not ours: nothing to recover from it.
      rmSync(path, { force: true });
      continue;
    }
    if (record.pid === process.pid || processAlive(record.pid)) continue;
    // Taken over by renaming: when two processes start at once, only one of them recovers a dead one's work.
    const taken = `${path}.taken-${process.pid}`;
    try {
      renameSync(path, taken);
    } catch {
      continue;
    }
    rmSync(taken, { force: true });
    interrupted.push(record);
  }
  const identity = workerIdentity(clawflowVersion, process.pid, randomUUID().slice(0, 8), hostname());
  const own = join(runDir, `${process.pid}.json`);
  writeFileSync(own, JSON.stringify({ pid: process.pid, identity, startedAt: new Date().toISOString() } satisfies RunRecord), { mode: 0o600 });
  const claim = { identity, takeInterrupted: () => interrupted.splice(0), release: () => rmSync(own, { force: true }) };
  claims.set(runDir, claim);
  return claim;
}
