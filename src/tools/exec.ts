import { spawn } from 'node:child_process';
import { z } from 'zod';
import { CappedOutput } from './capped-output.js';
import { allowlisted, describeInvocation, riskyEnvironment } from './exec-policy.js';
import { commandEnvironment } from '../workspace/command-environment.js';
import { sandboxedCommand } from './exec-sandbox.js';
import { ApprovalRequired, defineTool, ToolError, type ToolContext } from './tool.js';
import { resolveInWorkspace } from './workspace-path.js';

interface Invocation {
  command: string;
  env?: Record<string, string> | undefined;
  workdir?: string | undefined;
}

/**
 * Runs, refuses, or asks. What is allowlisted or approved is the whole invocation: the command line (every simple
 * command in it), the variables it is given and where it runs.
 */
function checkPolicy(invocation: Invocation, { config, approved, browsers, sessionKey, byAgentOwner }: ToolContext): void {
  const { policy, allowlist } = config.exec;
  if (policy === 'deny') throw new ToolError('running commands is switched off on this machine (tools.exec.policy "deny")');
  if (approved) return;
  // A web page may have asked for it: the user sees where the agent was browsing when it asked.
  const page = browsers.currentUrl(sessionKey);
  const browsing = page && page !== 'about:blank' ? `\n(the agent's browser is on ${page}: what a page says may have led to this)` : '';
  // A command can write whatever the agent's instructions are made of (skills, AGENTS.md…): in a turn someone other
  // than the agent's owner started, none runs without the owner's yes, whatever the policy or the allowlist says.
  if (!byAgentOwner) {
    throw new ApprovalRequired(
      `${describeInvocation(invocation)}\n(someone other than the agent's owner started this turn; a command can change the agent's instructions)${browsing}`,
      { ownerOnly: true },
    );
  }
  if (policy === 'full') return;
  const risky = riskyEnvironment(invocation.env);
  if (risky.length === 0 && allowlisted(invocation.command, allowlist)) return;
  if (policy === 'allowlist') {
    throw new ToolError(
      risky.length
        ? `not allowed here: the variables ${risky.join(', ')} can make programs run other code, and tools.exec.policy is "allowlist"`
        : `"${invocation.command}" is not allowed here: not every command in it matches a pattern of tools.exec.allowlist (substitutions, redirections and globs never do)`,
    );
  }
  throw new ApprovalRequired(`${describeInvocation(invocation)}${browsing}`);
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
    checkPolicy({ command, env, workdir }, context);
    const { config, workspace, signal } = context;
    const cwd = await resolveInWorkspace(workspace, workdir ?? '.', context.protectedPaths);
    const timeout = Math.min(timeoutSeconds ?? config.exec.timeoutSeconds, config.exec.maxTimeoutSeconds);
    const output = new CappedOutput(config.exec.outputCapBytes);
    const environment = commandEnvironment(process.env, config.exec.env, env);
    // Under bubblewrap when the host has it (tools.exec.sandbox): only the workspace is there to change.
    const { file, args } = context.sandbox
      ? sandboxedCommand(context.sandbox, { workspace, cwd, home: environment.HOME, protectedPaths: context.protectedPaths, command })
      : { file: '/bin/sh', args: ['-c', command] };
    // Its own process group, so that a timeout or a cancellation ends everything it started.
    const child = spawn(file, args, { cwd, env: environment, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
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
