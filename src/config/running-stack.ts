import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';

/**
 * Where a running `clawflow start` says it is listening (`<home>/stack.json`), so that a command in another terminal
 * with only CLAWFLOW_HOME set finds the stack whatever ports it was given.
 */
const runningStackSchema = z.object({
  pid: z.number().int().positive(),
  temporalAddress: z.string().min(1),
  /** The HTTP API port of the dev server it runs (null: it uses another Temporal; absent: written by an older version). */
  temporalHttpPort: z.number().int().positive().nullable().optional(),
  apiUrl: z.string().nullable(),
  webUiUrl: z.string().nullable(),
  /** The console's origin (absent: written by an older version, or the console is off). */
  consoleUrl: z.string().nullable().optional(),
});
export type RunningStack = z.infer<typeof runningStackSchema>;

function stackFile(home: string): string {
  return join(home, 'stack.json');
}

/**
 * Whether a ClawFlow process with this pid is running. A pid the system has since given to another program (after a
 * reboot, say) does not count where /proc shows what runs under it; one owned by another user is not provably gone.
 */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('clawflow');
  } catch {
    return true; // no /proc (macOS): the pid is all there is to go on
  }
}

/**
 * The stack of this state dir: `running`; `gone` (it wrote down that it runs, and its process is no more: killed
 * outright, its dev server perhaps still up without workers); or `none` (stopped, or never started).
 */
export function stackState(home: string): { state: 'running'; stack: RunningStack } | { state: 'gone'; pid: number } | { state: 'none' } {
  let stack: RunningStack;
  try {
    stack = runningStackSchema.parse(JSON.parse(readFileSync(stackFile(home), 'utf8')));
  } catch {
    return { state: 'none' };
  }
  return processAlive(stack.pid) ? { state: 'running', stack } : { state: 'gone', pid: stack.pid };
}

/** The stack running from this state dir, if its process is alive. */
export function readRunningStack(home: string): RunningStack | null {
  const found = stackState(home);
  return found.state === 'running' ? found.stack : null;
}

export function writeRunningStack(home: string, stack: RunningStack): void {
  writeFileSync(stackFile(home), `${JSON.stringify(stack, null, 2)}\n`, { mode: 0o600 });
}

export function removeRunningStack(home: string): void {
  rmSync(stackFile(home), { force: true });
}
