import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The console's page: its script (Preact, bundled) and its style sheet. */
export interface ConsoleAssets {
  script: string;
  style: string;
}

// Two levels up from src/console/ and from dist/console/ alike: the package's root.
const root = fileURLToPath(new URL('../../', import.meta.url));
const sourceDir = join(root, 'console');
const builtDir = join(root, 'dist', 'console');

function newestSource(dir: string): number {
  if (!existsSync(dir)) return 0;
  return readdirSync(dir, { withFileTypes: true }).reduce(
    (newest, entry) => Math.max(newest, entry.isDirectory() ? newestSource(join(dir, entry.name)) : statSync(join(dir, entry.name)).mtimeMs),
    0,
  );
}

/** Bundles the page's sources with esbuild (what `npm run build` writes to dist/console/). */
export async function bundleConsole(): Promise<ConsoleAssets> {
  const { build } = await import('esbuild');
  const result = await build({
    entryPoints: [join(sourceDir, 'app.tsx')],
    bundle: true,
    format: 'esm',
    target: 'es2022',
    minify: true,
    jsx: 'automatic',
    jsxImportSource: 'preact',
    write: false,
    logLevel: 'silent',
    outfile: 'app.js',
  });
  return { script: result.outputFiles[0]!.text, style: readFileSync(join(sourceDir, 'style.css'), 'utf8') };
}

/**
 * The page as `npm run build` left it in dist/console/ when that is at least as new as its sources; otherwise (a
 * checkout changed since, or never built) bundled now, in memory.
 */
export async function consoleAssets(): Promise<ConsoleAssets> {
  const script = join(builtDir, 'app.js');
  if (existsSync(script) && statSync(script).mtimeMs >= newestSource(sourceDir)) {
    return { script: readFileSync(script, 'utf8'), style: readFileSync(join(builtDir, 'app.css'), 'utf8') };
  }
  return bundleConsole();
}
