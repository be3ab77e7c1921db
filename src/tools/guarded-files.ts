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

async function holdsHead(directory: string): Promise<boolean> {
  const names = await readdir(directory).catch(() => []);
  return names.some((name) => name.toLowerCase() === 'head');
}

/**
 * Refuses or asks before a write that makes programs run code, as the exec policy would for a command. Both the path
 * the model named and the file the write really lands in (through any in-workspace link) are checked: a `notes.md`
 * linked to `.git/config` is `.git/config`.
 */
export async function checkGuardedWrite(workspace: string, file: string, destination: string, { config, approved }: ToolContext): Promise<void> {
  const { policy } = config.exec;
  // Nothing runs commands under `deny`; `full` runs anything anyway.
  if (approved || policy === 'deny' || policy === 'full') return;
  const named = workspaceRelative(workspace, file);
  const landsIn = workspaceRelative(workspace, await realPathOf(destination));
  let reason: string | null = null;
  for (const [relativePath, absolute] of [[named, file], [landsIn, destination]] as const) {
    reason ??= codeExecutionReason(relativePath, await holdsHead(dirname(absolute)));
  }
  if (!reason) return;
  const what = landsIn === named ? named : `${named} (which leads to ${landsIn})`;
  if (policy === 'allowlist') throw new ToolError(`writing ${what} is not allowed here: ${reason}, and tools.exec.policy is "allowlist"`);
  throw new ApprovalRequired(`write ${what}\n(${reason})`);
}
