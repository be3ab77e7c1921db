import { readdir } from 'node:fs/promises';
import { dirname, sep } from 'node:path';
import { ApprovalRequired, ToolError, type ToolContext } from './tool.js';
import { realPathOf, workspaceRelative } from './workspace-path.js';

/**
 * Files in the workspace that make programs run code: an allowlisted `git status` runs whatever `.git/config`'s
 * fsmonitor names, `npm test` what package.json's scripts say, `make` the Makefile, a shell its rc files. Writing one
 * is as strong as running a command, so it is treated like one: asked for under `ask`, refused under `allowlist`.
 * Names compare without case, since a case-insensitive filesystem (macOS's default) writes `.GIT/config` into `.git`.
 */
const guardedNames = new Map<string, string>([
  ['.gitconfig', 'git runs the commands its config names (hooks, fsmonitor, filters, aliases)'],
  ['.gitmodules', 'git fetches and checks out what it names'],
  ['.gitattributes', 'git runs the filters and diff drivers it names'],
  ['.bashrc', 'shells run it'],
  ['.bash_profile', 'shells run it'],
  ['.bash_login', 'shells run it'],
  ['.profile', 'shells run it'],
  ['.zshrc', 'shells run it'],
  ['.zshenv', 'shells run it'],
  ['.zprofile', 'shells run it'],
  ['.envrc', 'direnv runs it'],
  ['.npmrc', 'npm runs the scripts and loads the code it names'],
  ['.yarnrc', 'yarn runs what it names'],
  ['.yarnrc.yml', 'yarn runs what it names'],
  ['package.json', 'npm runs its scripts'],
  ['makefile', 'make runs it'],
  ['gnumakefile', 'make runs it'],
  ['.pre-commit-config.yaml', 'git hooks run what it names'],
  ['pyproject.toml', 'Python tools run the build steps it names'],
  ['setup.py', 'Python tools run it'],
  ['conftest.py', 'pytest runs it'],
  // A directory holding HEAD, objects/ and refs/ is a bare repository to git, which then obeys its `config`.
  ['head', 'git takes a directory holding HEAD for a repository and runs the commands its config names'],
]);
const guardedDirectories = new Map<string, string>([
  ['.git', 'git runs its hooks and the commands its config names'],
  ['.husky', 'git hooks run it'],
  ['.cargo', 'cargo runs what its config names'],
  ['.vscode', 'editors run the tasks it names'],
]);
const bareRepositoryConfig = 'git takes this directory for a repository (it holds HEAD) and runs the commands its config names';

/**
 * Why writing this workspace-relative path could make a program run code; null for an ordinary file.
 * `besideHead` says whether the file's directory holds a `HEAD`, which makes its `config` a repository's.
 */
export function codeExecutionReason(relativePath: string, besideHead = false): string | null {
  const parts = relativePath.split(sep).map((part) => part.toLowerCase());
  for (const part of parts.slice(0, -1)) {
    const reason = guardedDirectories.get(part);
    if (reason) return reason;
  }
  const name = parts.at(-1) ?? '';
  if (name === 'config' && besideHead) return bareRepositoryConfig;
  return guardedNames.get(name) ?? guardedDirectories.get(name) ?? null;
}

/** Workspace files that become the agent's instructions (read into its system prompt, or offered as its skills). */
const instructionNames = new Set(['agents.md', 'soul.md', 'user.md', 'identity.md', 'memory.md', 'heartbeat.md', 'tools.md']);

/**
 * Why writing this workspace-relative path changes what the agent is told to do; null for an ordinary file. The
 * daily notes (`memory/*.md`, read into the prompt too) count only for a turn another person started.
 */
export function instructionReason(relativePath: string, byAgentOwner: boolean): string | null {
  const parts = relativePath.split(sep).map((part) => part.toLowerCase());
  if (parts.length > 1 && parts[0] === 'skills') return "a skill becomes part of the agent's instructions in every conversation";
  if (parts.length > 2 && parts[0] === '.agents' && parts[1] === 'skills') return "a skill becomes part of the agent's instructions in every conversation";
  if (parts.length === 1 && instructionNames.has(parts[0]!)) return "it is read into the agent's instructions in every conversation";
  if (!byAgentOwner && parts.length === 2 && parts[0] === 'memory' && parts[1]!.endsWith('.md'))
    return "the daily notes are read into the agent's instructions";
  return null;
}

async function holdsHead(directory: string): Promise<boolean> {
  const names = await readdir(directory).catch(() => []);
  return names.some((name) => name.toLowerCase() === 'head');
}

/**
 * Refuses or asks before a write that makes programs run code, as the exec policy would for a command; and asks the
 * agent's owner before a write that changes the agent's instructions (a page or a group member could otherwise plant
 * them for every later conversation). Both the path the model named and the file the write really lands in (through
 * any in-workspace link) are checked: a `notes.md` linked to `.git/config` is `.git/config`.
 */
export async function checkGuardedWrite(
  workspace: string,
  file: string,
  destination: string,
  { config, approved, byAgentOwner }: ToolContext,
  preview = '',
): Promise<void> {
  if (approved) return;
  const { policy } = config.exec;
  const named = workspaceRelative(workspace, file);
  const landsIn = workspaceRelative(workspace, await realPathOf(destination));
  const what = landsIn === named ? named : `${named} (which leads to ${landsIn})`;
  const instruction = instructionReason(named, byAgentOwner) ?? instructionReason(landsIn, byAgentOwner);
  // Under "ask" and "allowlist" the owner says yes first; a turn another person started never writes them unasked.
  if (instruction && (!byAgentOwner || policy === 'ask' || policy === 'allowlist')) {
    // Someone else's words: the owner sees what would be written (and such a yes is never "always").
    const shown = byAgentOwner
      ? ''
      : `\n--- what it would write ---\n${preview.length > 600 ? `${preview.slice(0, 600)}\n[… ${preview.length - 600} more characters]` : preview}`;
    throw new ApprovalRequired(`write ${what}\n(${instruction}${byAgentOwner ? '' : "; someone other than the agent's owner started this turn"})${shown}`, {
      ownerOnly: true,
    });
  }
  // Nothing runs commands under `deny`; `full` runs anything anyway.
  if (policy === 'deny' || policy === 'full') return;
  let reason: string | null = null;
  for (const [relativePath, absolute] of [
    [named, file],
    [landsIn, destination],
  ] as const) {
    reason ??= codeExecutionReason(relativePath, await holdsHead(dirname(absolute)));
  }
  if (!reason) return;
  if (policy === 'allowlist') throw new ToolError(`writing ${what} is not allowed here: ${reason}, and tools.exec.policy is "allowlist"`);
  throw new ApprovalRequired(`write ${what}\n(${reason})`);
}
