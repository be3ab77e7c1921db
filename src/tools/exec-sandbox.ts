import { execFile } from 'node:child_process';
import { existsSync, lstatSync, mkdtempSync, readlinkSync, realpathSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isAbsolute, relative, resolve } from 'node:path';
import { promisify } from 'node:util';
import type { ClawflowConfig } from '../config/load.js';
import { findOnPath } from '../temporal/cli-binary.js';

/** Commands run under bubblewrap: the workspace read-write, the system's programs read-only, nothing else. */
export interface ExecSandbox {
  bwrap: string;
  network: boolean;
  readOnlyPaths: readonly string[];
}

/** Where the system's programs, libraries and settings are: readable in the sandbox (symbolic links kept as such). */
const systemPaths = ['/usr', '/bin', '/sbin', '/lib', '/lib32', '/lib64', '/libx32', '/etc'];

export interface SandboxChoice {
  sandbox: ExecSandbox | null;
  /** One line for `npm start` and `clawflow doctor`: how commands run here, and how to change it. */
  summary: string;
  /** False when commands are not sandboxed although they could or should be (auto without bwrap): worth a warning. */
  ok: boolean;
}

const probes = new Map<string, Promise<string | null>>();

/**
 * Whether bubblewrap runs here as commands will run (installed is not enough: some kernels and containers forbid its
 * namespaces, or mounting /proc): the same invocation, once per process. Null when it works, else why not.
 */
function bwrapWorks(bwrap: string): Promise<string | null> {
  let probe = probes.get(bwrap);
  if (!probe) {
    probe = (async () => {
      const workspace = mkdtempSync(join(tmpdir(), 'clawflow-sandbox-probe-'));
      try {
        const { file, args } = sandboxedCommand(
          { bwrap, network: false, readOnlyPaths: [] },
          { workspace, cwd: workspace, home: undefined, protectedPaths: [], command: 'test -d /proc/self && touch probe' },
        );
        await promisify(execFile)(file, args, { timeout: 10_000 });
        return existsSync(join(workspace, 'probe')) ? null : 'a sandboxed command could not write its workspace';
      } catch (error) {
        return ((error as { stderr?: string }).stderr || (error as Error).message).trim().split('\n')[0]!;
      } finally {
        rmSync(workspace, { recursive: true, force: true });
      }
    })();
    probes.set(bwrap, probe);
  }
  return probe;
}

/** How the tools host runs commands, from tools.exec.sandbox: `bwrap` must work; `auto` takes it when it does. */
export async function resolveExecSandbox(config: ClawflowConfig['tools']['exec']['sandbox'], env: NodeJS.ProcessEnv = process.env): Promise<SandboxChoice> {
  if (config.mode === 'none') return { sandbox: null, summary: 'on the host, not sandboxed (tools.exec.sandbox: "none")', ok: true };
  const bwrap = findOnPath('bwrap', env);
  const broken = bwrap ? await bwrapWorks(bwrap) : 'bwrap is not installed';
  if (bwrap && !broken) {
    return {
      sandbox: { bwrap, network: config.network, readOnlyPaths: config.readOnlyPaths },
      summary: `sandboxed with bubblewrap: the workspace read-write, system programs read-only, ${config.network ? "the network open — the host's loopback too (Temporal, ClawFlow's own ports)" : 'no network'}`,
      ok: true,
    };
  }
  const fix = `install bubblewrap (apt-get install bubblewrap, dnf install bubblewrap) or set tools.exec.sandbox: "none" to run them on the host knowingly`;
  if (config.mode === 'bwrap') throw new Error(`tools.exec.sandbox is "bwrap", but ${broken}: ${fix}`);
  return { sandbox: null, summary: `NOT sandboxed (${broken}): commands the agent runs can read and write anything your user can; ${fix}`, ok: false };
}

function inside(root: string, path: string): boolean {
  const rel = relative(root, path);
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
}

/**
 * The bubblewrap invocation for one command: a new user, PID, IPC, UTS, cgroup and (unless `network`) network
 * namespace; the system's folders read-only; an empty /tmp and HOME; the workspace read-write at its own path; ClawFlow's
 * own files masked even inside it; the command's own folder its working directory. Dies with its parent.
 */
export function sandboxedCommand(
  sandbox: ExecSandbox,
  options: { workspace: string; cwd: string; home: string | undefined; protectedPaths: readonly string[]; command: string },
): { file: string; args: string[] } {
  // No capabilities, even for root: a command that could unmount the masks below would see what they hide.
  const args = ['--die-with-parent', '--new-session', '--unshare-all', '--cap-drop', 'ALL', ...(sandbox.network ? ['--share-net'] : [])];
  for (const path of [...systemPaths, ...sandbox.readOnlyPaths]) {
    const info = lstatSync(path, { throwIfNoEntry: false });
    if (!info) continue;
    // A merged-/usr system's /bin is a link to usr/bin: the same link inside.
    if (info.isSymbolicLink() && systemPaths.includes(path)) args.push('--symlink', readlinkSync(path), path);
    else args.push('--ro-bind', path, path);
  }
  // systemd-resolved's stub, which /etc/resolv.conf points at on such hosts.
  if (sandbox.network) args.push('--ro-bind-try', '/run/systemd/resolve', '/run/systemd/resolve');
  args.push('--proc', '/proc', '--dev', '/dev', '--tmpfs', '/tmp');
  if (options.home && options.home !== '/' && !inside(options.home, '/usr') && !inside(options.home, '/etc')) args.push('--tmpfs', options.home);
  // Where it really is: the tools resolve paths (the command's folder) through symbolic links.
  const workspace = realpathSync(resolve(options.workspace));
  args.push('--bind', workspace, workspace);
  // The workspace may be configured to hold ClawFlow's own files (the state dir): they stay out of reach.
  for (const protectedPath of options.protectedPaths) {
    if (!existsSync(protectedPath)) continue;
    const path = realpathSync(protectedPath);
    if (!inside(workspace, path)) continue;
    if (statSync(path).isDirectory()) args.push('--tmpfs', path);
    else args.push('--ro-bind', '/dev/null', path);
  }
  args.push('--chdir', options.cwd, '--', '/bin/sh', '-c', options.command);
  return { file: sandbox.bwrap, args };
}
