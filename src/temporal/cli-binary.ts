import { spawn } from 'node:child_process';
import { accessSync, constants, existsSync } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { delimiter, join } from 'node:path';

/** The newest Temporal CLI tag that `go install` can build (later tags carry a replace directive). */
export const temporalCliVersion = 'v1.5.1';
const goModule = `github.com/temporalio/cli/cmd/temporal@${temporalCliVersion}`;

export type TemporalCli =
  | { kind: 'binary'; path: string; source: 'explicit' | 'path' | 'cache' | 'built' }
  /** No binary here and no Go: `@temporalio/testing` downloads and runs the dev server. */
  | { kind: 'download'; downloadDir: string };

export interface ResolveOptions {
  explicitPath: string | undefined;
  cacheDir: string;
  env?: NodeJS.ProcessEnv;
  onProgress?: (message: string) => void;
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** Finds an executable on PATH, like `which`. */
export function findOnPath(name: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, name);
    if (isExecutable(candidate)) return candidate;
  }
  return undefined;
}

export function cachedCliPath(cacheDir: string): string {
  return join(cacheDir, 'temporal-cli', temporalCliVersion, 'temporal');
}

/**
 * Finds the `temporal` CLI: an explicit path, then PATH, then the per-machine cache; otherwise builds it
 * with Go into the cache, or, without Go, falls back to `@temporalio/testing`'s downloader.
 */
export async function resolveTemporalCli({ explicitPath, cacheDir, env = process.env, onProgress }: ResolveOptions): Promise<TemporalCli> {
  if (explicitPath) {
    if (!isExecutable(explicitPath)) throw new Error(`CLAWFLOW_TEMPORAL_BIN / temporal.bin points at ${explicitPath}, which is not an executable file`);
    return { kind: 'binary', path: explicitPath, source: 'explicit' };
  }
  const onPath = findOnPath('temporal', env);
  if (onPath) return { kind: 'binary', path: onPath, source: 'path' };
  const cached = cachedCliPath(cacheDir);
  if (isExecutable(cached)) return { kind: 'binary', path: cached, source: 'cache' };
  const go = findOnPath('go', env);
  if (go) {
    await buildWithGo(go, cached, env, onProgress);
    return { kind: 'binary', path: cached, source: 'built' };
  }
  onProgress?.('Temporal CLI not found and Go is not installed: @temporalio/testing will download the dev server');
  return { kind: 'download', downloadDir: join(cacheDir, 'temporal-download') };
}

async function buildWithGo(go: string, target: string, env: NodeJS.ProcessEnv, onProgress?: (message: string) => void): Promise<void> {
  // Each build gets its own GOBIN and renames into place, so two concurrent builds cannot tear the binary.
  const gobin = join(target, '..', `build-${process.pid}-${Date.now()}`);
  await mkdir(gobin, { recursive: true });
  onProgress?.(`Building the Temporal CLI ${temporalCliVersion} with Go (first run only; a few minutes)…`);
  const started = Date.now();
  const ticker = setInterval(() => onProgress?.(`  still building the Temporal CLI (${Math.round((Date.now() - started) / 1000)} s)…`), 20_000);
  try {
    const output: string[] = [];
    const code = await new Promise<number | null>((resolve, reject) => {
      const child = spawn(go, ['install', goModule], { env: { ...env, GOBIN: gobin, CGO_ENABLED: env.CGO_ENABLED ?? '0' }, stdio: ['ignore', 'pipe', 'pipe'] });
      child.stdout.on('data', (d: Buffer) => output.push(d.toString()));
      child.stderr.on('data', (d: Buffer) => output.push(d.toString()));
      child.on('error', reject);
      child.on('close', resolve);
    });
    const built = join(gobin, 'temporal');
    if (code !== 0 || !existsSync(built)) {
      throw new Error(`go install ${goModule} failed (exit ${code}):\n${output.join('').split('\n').slice(-20).join('\n')}`);
    }
    await rename(built, target);
    onProgress?.(`Built the Temporal CLI in ${Math.round((Date.now() - started) / 1000)} s → ${target}`);
  } finally {
    clearInterval(ticker);
    await rm(gobin, { recursive: true, force: true });
  }
}
