import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createWriteStream, existsSync } from 'node:fs';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join, normalize, sep } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { promisify } from 'node:util';
import { openPromise } from 'yauzl';
import { findOnPath } from './cli-binary.js';

/**
 * The Temporal Web UI ClawFlow serves behind its own guard: the build that ui-server v2.42.1 embeds, the one the
 * Temporal CLI v1.5.1 ships. Its files come from that Go module, never from a listener of the dev server's.
 */
export const temporalUiVersion = 'v2.42.1';
const uiModule = 'github.com/temporalio/ui-server/v2';
/** The module's hash as the Temporal CLI's go.sum records it: a download that does not match it is not used. */
export const temporalUiModuleHash = 'h1:ajeOxqCnUiCRQQhQYLxaT7wUgF/slqZJtdW4pLjVqCs=';
const assetsInModule = 'ui/assets/local';
/** What a module zip may hold at most, unpacked: far above the UI's ~180 MB, far below a zip bomb's. */
const maxUnpackedBytes = 1024 * 1024 * 1024;

export interface WebUiAssetsOptions {
  /** A folder the user named (temporal.uiAssetsDir): it must hold the UI's index.html. */
  explicitDir?: string | undefined;
  cacheDir: string;
  env?: NodeJS.ProcessEnv;
  onProgress?: (message: string) => void;
  /** The hash a downloaded module must have (a test gives its own). */
  moduleHash?: string;
  /** False: only look (doctor); never download. */
  download?: boolean;
}

const holdsUi = (dir: string): boolean => existsSync(join(dir, 'index.html')) && existsSync(join(dir, '_app'));

export function cachedWebUiDir(cacheDir: string): string {
  return join(cacheDir, 'temporal-ui', temporalUiVersion);
}

/** Where Go keeps downloaded modules on this machine, as `go env GOMODCACHE` would say (asked only when needed). */
async function goModuleCaches(env: NodeJS.ProcessEnv): Promise<string[]> {
  const found = [
    env.GOMODCACHE,
    ...(env.GOPATH ?? '')
      .split(':')
      .filter(Boolean)
      .map((path) => join(path, 'pkg', 'mod')),
    join(env.HOME ?? homedir(), 'go', 'pkg', 'mod'),
  ].filter((dir): dir is string => !!dir);
  const go = findOnPath('go', env);
  if (go) {
    const asked = await promisify(execFile)(go, ['env', 'GOMODCACHE'], { env, timeout: 10_000 }).catch(() => null);
    if (asked?.stdout.trim()) found.push(asked.stdout.trim());
  }
  return [...new Set(found)];
}

/**
 * The folder of the Web UI's files: the one named, else the per-machine cache, else the Go module cache (the module
 * is there when the Temporal CLI was built with Go), else downloaded from the Go module proxy and checked against
 * its go.sum hash. Throws with the reason when none can be had (then ClawFlow runs without the Web UI).
 */
export async function resolveWebUiAssets(
  options: WebUiAssetsOptions,
): Promise<{ dir: string; source: 'explicit' | 'cache' | 'go-module-cache' | 'downloaded' }> {
  const env = options.env ?? process.env;
  if (options.explicitDir) {
    if (!holdsUi(options.explicitDir))
      throw new Error(`temporal.uiAssetsDir (CLAWFLOW_TEMPORAL_UI_ASSETS) is ${options.explicitDir}, which holds no Temporal Web UI (index.html and _app/)`);
    return { dir: options.explicitDir, source: 'explicit' };
  }
  const cached = cachedWebUiDir(options.cacheDir);
  if (holdsUi(cached)) return { dir: cached, source: 'cache' };
  for (const modCache of await goModuleCaches(env)) {
    const dir = join(modCache, `${uiModule}@${temporalUiVersion}`, assetsInModule);
    if (holdsUi(dir)) return { dir, source: 'go-module-cache' };
  }
  if (options.download === false) throw new Error(`not on this machine yet (${cached}): the first \`npm start\` fetches it (clawflow setup does it now)`);
  await downloadWebUi(goProxy(env), cached, options.moduleHash ?? temporalUiModuleHash, options.onProgress);
  return { dir: cached, source: 'downloaded' };
}

/** The module proxy to download from: GOPROXY's first URL (as Go reads it), else Go's default. */
export function goProxy(env: NodeJS.ProcessEnv): string {
  const first = (env.GOPROXY ?? '')
    .split(/[,|]/)
    .map((entry) => entry.trim())
    .find((entry) => /^https?:\/\//.test(entry));
  return (first ?? 'https://proxy.golang.org').replace(/\/+$/, '');
}

/**
 * Downloads the ui-server module zip, checks it against its go.sum hash (Go's dirhash "h1": the SHA-256 of the
 * sorted lines "<sha256 of a file>  <its name>"), and keeps the UI's files in `target`.
 */
export async function downloadWebUi(proxy: string, target: string, expectedHash: string, onProgress?: (message: string) => void): Promise<void> {
  const url = `${proxy}/${uiModule}/@v/${temporalUiVersion}.zip`;
  const work = `${target}.download-${process.pid}-${Date.now()}`;
  const staged = join(work, 'assets');
  await mkdir(staged, { recursive: true });
  try {
    onProgress?.(`Downloading the Temporal Web UI ${temporalUiVersion} from ${proxy}…`);
    const response = await fetch(url, { signal: AbortSignal.timeout(300_000), redirect: 'follow' });
    if (!response.ok || !response.body) throw new Error(`${url} answered HTTP ${response.status}`);
    const zipFile = join(work, 'module.zip');
    await pipeline(Readable.fromWeb(response.body as import('node:stream/web').ReadableStream<Uint8Array>), createWriteStream(zipFile));
    const prefix = `${uiModule}@${temporalUiVersion}/${assetsInModule}/`;
    const files: Array<{ name: string; sha256: string }> = [];
    let unpacked = 0;
    const zip = await openPromise(zipFile, { lazyEntries: true, strictFileNames: true });
    try {
      for await (const entry of zip.eachEntry()) {
        if (entry.fileName.endsWith('/')) continue;
        unpacked += entry.uncompressedSize;
        if (unpacked > maxUnpackedBytes) throw new Error(`${url} unpacks to more than ${maxUnpackedBytes} bytes`);
        const chunks: Buffer[] = [];
        for await (const chunk of await zip.openReadStreamPromise(entry)) chunks.push(chunk as Buffer);
        const bytes = Buffer.concat(chunks);
        files.push({ name: entry.fileName, sha256: createHash('sha256').update(bytes).digest('hex') });
        if (!entry.fileName.startsWith(prefix)) continue;
        const relative = normalize(entry.fileName.slice(prefix.length));
        if (relative.startsWith(`..${sep}`) || relative === '..') throw new Error(`${url} holds a path outside its folder: ${entry.fileName}`);
        const file = join(staged, relative);
        await mkdir(dirname(file), { recursive: true });
        await writeFile(file, bytes);
      }
    } finally {
      zip.close();
    }
    // Go's dirhash: files sorted by name, a line each.
    const lines = files.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)).map(({ name, sha256 }) => `${sha256}  ${name}\n`);
    const actual = `h1:${createHash('sha256').update(lines.join('')).digest('base64')}`;
    if (actual !== expectedHash) throw new Error(`${url} does not match its go.sum hash (got ${actual}, expected ${expectedHash}): not used`);
    if (!holdsUi(staged)) throw new Error(`${url} holds no Web UI under ${assetsInModule}`);
    await rm(target, { recursive: true, force: true });
    await mkdir(dirname(target), { recursive: true });
    await rename(staged, target);
    onProgress?.(`Downloaded the Temporal Web UI → ${target}`);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
