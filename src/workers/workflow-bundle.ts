import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleWorkflowCode } from '@temporalio/worker';
import type { Logger } from '../logger.js';
import { temporalLoggerFrom } from './temporal-logger.js';

/**
 * The workflow code is bundled from the TypeScript sources wherever they are (a checkout, whether it runs them
 * through tsx or runs the compiled dist/), so both ways share one cached bundle; from dist/ only without them.
 */
const sourcesDir = fileURLToPath(new URL('../../src/', import.meta.url));
const fromSources = existsSync(join(sourcesDir, 'workflows', 'index.ts'));
const srcDir = fromSources ? sourcesDir : fileURLToPath(new URL('..', import.meta.url));
const extension = fromSources ? '.ts' : '.js';
const workflowsPath = join(srcDir, 'workflows', `index${extension}`);
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
  const { code } = await bundleWorkflowCode({
    workflowsPath,
    workflowInterceptorModules: [...interceptorModules],
    preloadModules: [...sharedModules],
    logger: temporalLoggerFrom(logger.child({ component: 'bundler' }), 'warn'),
  });
  await mkdir(join(cacheDir, 'workflow-bundles'), { recursive: true });
  const partial = `${file}.${process.pid}.tmp`;
  await writeFile(partial, code);
  await rename(partial, file);
  logger.debug({ ms: Date.now() - started, file }, 'bundled workflow code');
  return { code };
}
