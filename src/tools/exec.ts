import { spawn } from 'node:child_process';
import { z } from 'zod';
import { CappedOutput } from './capped-output.js';
import { ApprovalRequired, defineTool, ToolError, type ToolContext } from './tool.js';
import { resolveInWorkspace } from './workspace-path.js';

/** The environment of a command: the host's, without ClawFlow's own settings and secrets. */
export function commandEnvironment(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !/^(CLAWFLOW_|TEMPORAL_)/.test(key)));
  return { ...env, ...extra };
}

/** Whether the command may run without asking: a whole-string match of an allowlist pattern. */
export function allowlisted(command: string, patterns: readonly string[]): boolean {
  return patterns.some((pattern) => new RegExp(`^(?:${pattern})$`).test(command.trim()));
}

function checkPolicy(command: string, { config, approved }: ToolContext): void {
  const { policy, allowlist } = config.exec;
  if (policy === 'deny') throw new ToolError('running commands is switched off on this machine (tools.exec.policy "deny")');
  if (allowlisted(command, allowlist) || approved) return;
  if (policy === 'allowlist') throw new ToolError(`"${command}" is not allowed here: it matches no pattern of tools.exec.allowlist`);
  throw new ApprovalRequired(command);
}

/** Ends the command's whole process group: first politely, then for good. */
function killTree(pid: number): void {
  const signal = (s: NodeJS.Signals): void => {
    try {
      process.kill(-pid, s);
    } catch {
      // already gone
    }
  };
  signal('SIGTERM');
  setTimeout(() => signal('SIGKILL'), 2000).unref();
}

export const execTool = defineTool({
  name: 'exec',
  description: 'Run a shell command in the workspace and return its exit code and output (long output keeps its head and tail).',
  mutatesWorkspace: true,
  input: z
    .object({
      command: z.string().min(1).describe('a shell command line (sh -c)'),
      workdir: z.string().min(1).optional().describe('directory inside the workspace; default the workspace itself'),
      env: z.record(z.string(), z.string()).optional().describe('extra environment variables'),
      timeoutSeconds: z.number().int().min(1).optional(),
    })
    .strict(),
  enabled: (config) => config.exec.policy !== 'deny',
  async run({ command, workdir, env, timeoutSeconds }, context) {
    checkPolicy(command, context);
    const { config, workspace, signal } = context;
    const cwd = await resolveInWorkspace(workspace, workdir ?? '.');
    const timeout = Math.min(timeoutSeconds ?? config.exec.timeoutSeconds, config.exec.maxTimeoutSeconds);
    const output = new CappedOutput(config.exec.outputCapBytes);
    // Its own process group, so that a timeout or a cancellation ends everything it started.
    const child = spawn('/bin/sh', ['-c', command], { cwd, env: commandEnvironment(env), detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.on('data', (chunk: Buffer) => output.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => output.push(chunk));
    let ended: 'timeout' | 'cancelled' | null = null;
    const stop = (why: 'timeout' | 'cancelled'): void => {
      ended ??= why;
      if (child.pid) killTree(child.pid);
    };
    const timer = setTimeout(() => stop('timeout'), timeout * 1000);
    const onAbort = (): void => stop('cancelled');
    signal.addEventListener('abort', onAbort);
    try {
      const exit = await new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve, reject) => {
        child.once('error', reject);
        child.once('close', (code, sig) => resolve({ code, signal: sig }));
      }).catch((error: Error) => {
        throw new ToolError(`could not start the command: ${error.message}`);
      });
      if (ended === 'cancelled') throw new ToolError('the command was cancelled; its processes were stopped');
      const text = output.toString();
      if (ended === 'timeout') throw new ToolError(`timed out after ${timeout} s; the command and everything it started were stopped. Output so far:\n${text}`);
      return `exit code ${exit.code ?? `signal ${exit.signal}`}\n${text}`;
    } finally {
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
    }
  },
});
