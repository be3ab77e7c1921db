import { basename, sep } from 'node:path';
import { ApprovalRequired, ToolError, type ToolContext } from './tool.js';

/**
 * Files in the workspace that make programs run code: an allowlisted `git status` runs whatever `.git/config`'s
 * fsmonitor names, `npm test` what package.json's scripts say, `make` the Makefile, a shell its rc files. Writing one
 * is as strong as running a command, so it is treated like one: asked for under `ask`, refused under `allowlist`.
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
  ['Makefile', 'make runs it'],
  ['makefile', 'make runs it'],
  ['GNUmakefile', 'make runs it'],
  ['.pre-commit-config.yaml', 'git hooks run what it names'],
  ['pyproject.toml', 'Python tools run the build steps it names'],
  ['setup.py', 'Python tools run it'],
  ['conftest.py', 'pytest runs it'],
]);
const guardedDirectories = new Map<string, string>([
  ['.git', 'git runs its hooks and the commands its config names'],
  ['.husky', 'git hooks run it'],
  ['.cargo', 'cargo runs what its config names'],
  ['.vscode', 'editors run the tasks it names'],
]);

/** Why writing this workspace-relative path could make a program run code; null for an ordinary file. */
export function codeExecutionReason(relativePath: string): string | null {
  const parts = relativePath.split(sep);
  for (const part of parts.slice(0, -1)) {
    const reason = guardedDirectories.get(part);
    if (reason) return reason;
  }
  return guardedNames.get(basename(relativePath)) ?? guardedDirectories.get(basename(relativePath)) ?? null;
}

/** Refuses or asks before a write to a file that makes programs run code, as the exec policy would for a command. */
export function checkGuardedWrite(relativePath: string, { config, approved }: ToolContext): void {
  const reason = codeExecutionReason(relativePath);
  const { policy } = config.exec;
  // Nothing runs commands under `deny`; `full` runs anything anyway.
  if (!reason || approved || policy === 'deny' || policy === 'full') return;
  if (policy === 'allowlist') throw new ToolError(`writing ${relativePath} is not allowed here: ${reason}, and tools.exec.policy is "allowlist"`);
  throw new ApprovalRequired(`write ${relativePath}\n(${reason})`);
}
