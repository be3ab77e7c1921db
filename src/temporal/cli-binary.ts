import { spawn } from 'node:child_process';
import { accessSync, constants, existsSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { chmod, mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { delimiter, join } from 'node:path';

/** The newest Temporal CLI tag that `go install` can build (later tags carry a replace directive). */
export const temporalCliVersion = 'v1.5.1';
const goModule = `github.com/temporalio/cli/cmd/temporal@${temporalCliVersion}`;

export type TemporalCli =
  | { kind: 'binary'; path: string; source: 'explicit' | 'path' | 'cache' | 'downloaded' | 'built' }
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
 * Finds the `temporal` CLI: an explicit path, then PATH, then the per-machine cache; otherwise downloads the official
 * release (checksum verified) into the cache, or builds it with Go, or, without Go, falls back to
 * `@temporalio/testing`'s downloader.
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
  try {
    await downloadRelease(env.CLAWFLOW_TEMPORAL_DOWNLOAD_URL ?? releaseBaseUrl, cached, onProgress);
    return { kind: 'binary', path: cached, source: 'downloaded' };
  } catch (error) {
    onProgress?.(`Could not download the Temporal CLI (${(error as Error).message}); building it instead`);
  }
  const go = findOnPath('go', env);
  if (go) {
    await buildWithGo(go, cached, env, onProgress);
    return { kind: 'binary', path: cached, source: 'built' };
  }
  onProgress?.('Temporal CLI not found and Go is not installed: @temporalio/testing will download the dev server');
  return { kind: 'download', downloadDir: join(cacheDir, 'temporal-download') };
}

/** Where the official release archives are (goreleaser's names: temporal_cli_<version>_<os>_<arch>.tar.gz, and a checksums file). */
const releaseBaseUrl = `https://github.com/temporalio/cli/releases/download/${temporalCliVersion}`;

function releaseArchiveName(): string {
  const os = { linux: 'linux', darwin: 'darwin' }[process.platform as string];
  const arch = { x64: 'amd64', arm64: 'arm64' }[process.arch as string];
  if (!os || !arch) throw new Error(`no release archive for ${process.platform}/${process.arch}`);
  return `temporal_cli_${temporalCliVersion.slice(1)}_${os}_${arch}.tar.gz`;
}

async function fetchBytes(url: string, timeoutMs: number): Promise<Buffer> {
  const response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs), redirect: 'follow' });
  if (!response.ok) throw new Error(`${url} answered HTTP ${response.status}`);
  return Buffer.from(await response.arrayBuffer());
}

/**
 * Fetches the official release archive for this platform, checks it against the release's SHA-256 checksums, and
 * puts its `temporal` binary in the cache: seconds, where the machine can reach the release downloads.
 */
export async function downloadRelease(baseUrl: string, target: string, onProgress?: (message: string) => void): Promise<void> {
  const archive = releaseArchiveName();
  const base = baseUrl.replace(/\/+$/, '');
  const sums = (await fetchBytes(`${base}/temporal_cli_${temporalCliVersion.slice(1)}_checksums.txt`, 10_000)).toString('utf8');
  const expected = new RegExp(`^([0-9a-f]{64})\\s+\\*?${archive.replace(/\./g, '\\.')}$`, 'm').exec(sums)?.[1];
  if (!expected) throw new Error(`the release's checksums do not list ${archive}`);
  onProgress?.(`Downloading the Temporal CLI ${temporalCliVersion} (${archive})…`);
  const bytes = await fetchBytes(`${base}/${archive}`, 120_000);
  const actual = createHash('sha256').update(bytes).digest('hex');
  if (actual !== expected)
    throw new Error(`${archive} does not match its published SHA-256 (got ${actual.slice(0, 12)}…, expected ${expected.slice(0, 12)}…): not used`);
  const work = join(target, '..', `download-${process.pid}-${Date.now()}`);
  await mkdir(work, { recursive: true });
  try {
    await writeFile(join(work, archive), bytes);
    const code = await new Promise<number | null>((resolve, reject) => {
      const child = spawn('tar', ['-xzf', archive, 'temporal'], { cwd: work, stdio: 'ignore' });
      child.on('error', reject);
      child.on('close', resolve);
    });
    const binary = join(work, 'temporal');
    if (code !== 0 || !existsSync(binary)) throw new Error(`${archive} holds no temporal binary (tar exit ${code})`);
    await chmod(binary, 0o755);
    await rename(binary, target);
    onProgress?.(`Downloaded the Temporal CLI → ${target}`);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
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
