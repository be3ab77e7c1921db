import { readdirSync, readFileSync } from 'node:fs';
import { basename } from 'node:path';

/** Set for the whole test run (the global setup draws it): every process the tests start inherits it. */
export const testRunVariable = 'CLAWFLOW_TEST_RUN';

export interface LeftoverProcess {
  pid: number;
  command: string;
}

/** Whether a command line is one of ours or the servers we start: ClawFlow, Temporal, PostgreSQL. */
function isStackProcess(argv: string[]): boolean {
  const program = basename(argv[0] ?? '');
  return argv.some((arg) => arg.endsWith('clawflow.js')) || program.startsWith('temporal') || program === 'postgres';
}

/** ClawFlow, Temporal and PostgreSQL processes the run with this id started that are still alive (Linux: from /proc). */
export function leftoverProcesses(runId: string): LeftoverProcess[] {
  let pids: number[];
  try {
    pids = readdirSync('/proc')
      .filter((name) => /^\d+$/.test(name))
      .map(Number);
  } catch {
    return []; // no /proc: not a machine this check can look at
  }
  const marker = `${testRunVariable}=${runId}`;
  const found: LeftoverProcess[] = [];
  for (const pid of pids) {
    if (pid === process.pid) continue;
    try {
      if (!readFileSync(`/proc/${pid}/environ`, 'latin1').split('\0').includes(marker)) continue;
      const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
      // A zombie (exited, not yet reaped) has no command line and is no longer running anything.
      if (argv.length && isStackProcess(argv)) found.push({ pid, command: argv.join(' ').slice(0, 200) });
    } catch {
      // gone meanwhile, or not ours to read
    }
  }
  return found;
}

/**
 * Fails the run when processes it started outlived it: waits `graceMs` for them to finish stopping, then kills them
 * and throws, naming each.
 */
export async function failOnLeftovers(runId: string, graceMs = 5_000): Promise<void> {
  const deadline = Date.now() + graceMs;
  let left = leftoverProcesses(runId);
  while (left.length && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 200));
    left = leftoverProcesses(runId);
  }
  if (!left.length) return;
  for (const { pid } of left) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone meanwhile
    }
  }
  throw new Error(`the tests left ${left.length} process(es) running (killed now):\n${left.map((p) => `  ${p.pid} ${p.command}`).join('\n')}`);
}
