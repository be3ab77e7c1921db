import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import type { Logger } from '../logger.js';

/**
 * The workflow code is bundled from the TypeScript sources wherever they are (a checkout, whether it runs them
 * through tsx or runs the compiled dist/), so both ways share one cached bundle; from dist/ only without them.
 */
const sourcesDir = fileURLToPath(new URL('../../src/', import.meta.url));
const fromSources = existsSync(join(sourcesDir, 'workflows', 'index.ts'));
const srcDir = fromSources ? sourcesDir : fileURLToPath(new URL('..', import.meta.url));
const extension = fromSources ? '.ts' : '.js';
const workflowsPath = join(srcDir, 'workflows', `index${extension}`);
const execFileAsync = promisify(execFile);
const lockFile = fileURLToPath(new URL('../../package-lock.json', import.meta.url));

/**
 * Modules loaded once for every session of the worker instead of once per session (the SDK's reusable V8 context
 * keeps each workflow's modules apart, and freezes what it shares): zod, whose classes are most of a session's memory.
 */
const sharedModules = [join(srcDir, 'workflows', `shared-modules${extension}`)];

async function sourceFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const nested = await Promise.all(
    entries.map((e) => (e.isDirectory() ? sourceFiles(join(dir, e.name)) : Promise.resolve(e.name.endsWith(extension) ? [join(dir, e.name)] : []))),
  );
  return nested.flat().sort();
}

/** Identifies the workflow code: every source file and the exact dependency versions. */
async function bundleKey(interceptorModules: readonly string[]): Promise<string> {
  const hash = createHash('sha256');
  hash.update(JSON.stringify(interceptorModules));
  for (const file of [...(await sourceFiles(srcDir)), lockFile]) {
    hash.update(file);
    hash.update(await readFile(file).catch(() => Buffer.alloc(0)));
  }
  return hash.digest('hex').slice(0, 24);
}

/**
 * The webpack bundle of `src/workflows` (with `interceptorModules`, e.g. tracing's), built once per code version and
 * kept in the per-machine cache: bundling takes seconds, and every worker start would otherwise pay for it.
 */
export async function loadWorkflowBundle(cacheDir: string, logger: Logger, interceptorModules: readonly string[] = []): Promise<{ code: string }> {
  const file = join(cacheDir, 'workflow-bundles', `${await bundleKey(interceptorModules)}.js`);
  if (existsSync(file)) return { code: await readFile(file, 'utf8') };
  const started = Date.now();
  await mkdir(join(cacheDir, 'workflow-bundles'), { recursive: true });
  await bundleInChildProcess({ workflowsPath, interceptorModules: [...interceptorModules], preloadModules: [...sharedModules], outputFile: file }, logger);
  logger.debug({ ms: Date.now() - started, file }, 'bundled workflow code');
  return { code: await readFile(file, 'utf8') };
}

/**
 * webpack runs in a process of its own (workflow-bundler-process): what it allocates (≈ 100 MB) goes with that
 * process instead of staying in this long-running one. From the sources it runs through tsx, as this process does.
 */
async function bundleInChildProcess(request: Record<string, unknown>, logger: Logger): Promise<void> {
  const fromTypeScript = import.meta.url.endsWith('.ts');
  const script = fileURLToPath(new URL(`./workflow-bundler-process${fromTypeScript ? '.ts' : '.js'}`, import.meta.url));
  // tsx by its file's URL: a bare `--import tsx` would be looked up from the working directory.
  const loader = fromTypeScript ? ['--import', pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href] : [];
  const log = logger.child({ component: 'bundler' });
  try {
    const { stderr } = await execFileAsync(process.execPath, [...loader, script, JSON.stringify(request)], { maxBuffer: 16 * 1024 * 1024 });
    for (const line of stderr.split('\n').filter((l) => l.trim())) log.warn(line);
  } catch (error) {
    const stderr = String((error as { stderr?: unknown }).stderr ?? '').trim();
    throw new Error(`could not bundle the workflow code: ${stderr.split('\n').at(-1) || (error as Error).message}`);
  }
}
