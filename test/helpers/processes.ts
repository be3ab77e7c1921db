import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const cliEntry = fileURLToPath(new URL('../../bin/clawflow.js', import.meta.url));
const running = new Set<ChildProcess>();

export interface CliProcess {
  child: ChildProcess;
  output(): string;
  /** Resolves when the combined output matches, rejects if the process exits first or time runs out. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<void>;
  /** Resolves with the exit code (or signal) once the process has exited. */
  exited: Promise<number | NodeJS.Signals>;
}

/** Runs `clawflow <args>` as a real child process (this checkout's, or the one whose bin/clawflow.js `entry` names). */
export function spawnCli(args: string[], env: NodeJS.ProcessEnv, entry = cliEntry): CliProcess {
  const child = spawn(process.execPath, [entry, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  running.add(child);
  let text = '';
  const listeners = new Set<() => void>();
  const onData = (chunk: Buffer): void => {
    text += chunk.toString();
    for (const listener of listeners) listener();
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);
  const exited = new Promise<number | NodeJS.Signals>((resolve) =>
    child.once('exit', (code, signal) => {
      running.delete(child);
      for (const listener of listeners) listener();
      resolve(code ?? signal ?? 0);
    }),
  );
  const waitFor = (pattern: RegExp, timeoutMs = 60_000): Promise<void> =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(() => finish(new Error(`timed out waiting for ${pattern} in output of clawflow ${args.join(' ')}:\n${text}`)), timeoutMs);
      const check = (): void => {
        if (pattern.test(text)) finish();
        else if (child.exitCode !== null || child.signalCode !== null) finish(new Error(`clawflow ${args.join(' ')} exited before ${pattern}:\n${text}`));
      };
      const finish = (error?: Error): void => {
        clearTimeout(timer);
        listeners.delete(check);
        if (error) reject(error);
        else resolve();
      };
      listeners.add(check);
      check();
    });
  return { child, output: () => text, waitFor, exited };
}

/** Runs `clawflow <args>` to completion. */
export async function runCli(args: string[], env: NodeJS.ProcessEnv, entry = cliEntry): Promise<{ code: number | NodeJS.Signals; output: string }> {
  const process = spawnCli(args, env, entry);
  const code = await process.exited;
  return { code, output: process.output() };
}

/** Kills whatever a test left running. */
export async function killAll(): Promise<void> {
  await Promise.all(
    [...running].map(
      (child) =>
        new Promise<void>((resolve) => {
          child.once('exit', () => resolve());
          child.kill('SIGKILL');
        }),
    ),
  );
}

/** Whether a process with this pid still exists. */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * Stops a `clawflow start` a test ran, whatever state the test left it in: Ctrl-C, at most `withinMs` to exit, then
 * kill -9; then its Temporal dev server, which runs detached (so a stack killed with -9 leaves it), by its pid file.
 */
export async function stopStack(stack: CliProcess | undefined, home: string, withinMs = 15_000): Promise<void> {
  if (stack && stack.child.exitCode === null && stack.child.signalCode === null) {
    stack.child.kill('SIGINT');
    const exited = await Promise.race([stack.exited.then(() => true), new Promise<false>((resolve) => setTimeout(() => resolve(false), withinMs))]);
    if (!exited) {
      stack.child.kill('SIGKILL');
      await stack.exited;
    }
  }
  killDevServerOf(home);
}

/** Kills the Temporal dev server a stack with this state dir started, if it is still there. */
export function killDevServerOf(home: string): void {
  let pid: number;
  try {
    pid = Number(readFileSync(join(home, 'temporal', 'server.pid'), 'utf8').trim());
  } catch {
    return;
  }
  if (pid > 0 && isAlive(pid)) process.kill(pid, 'SIGKILL');
}
