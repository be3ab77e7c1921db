import { execFileSync, execSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { statePaths } from '../../src/config/paths.js';

/**
 * A release exactly as it was built — its recorded commit's files, its own dependencies installed by `npm ci` — kept
 * in the machine's cache (`<cache>/releases/<commit>`), so only the first run on a machine pays for the install.
 * A checkout is ready once its `.ready` mark is written; a half-made one (a run killed mid-install) is made again.
 */
export function releaseCheckout(repoRoot: string, commit: string): string {
  const dir = join(statePaths().cacheDir, 'releases', commit);
  if (existsSync(join(dir, '.ready'))) return dir;
  const making = `${dir}.making-${process.pid}`;
  rmSync(making, { recursive: true, force: true });
  mkdirSync(making, { recursive: true });
  execSync(`git archive --format=tar ${commit} | tar -x -C ${JSON.stringify(making)}`, { cwd: repoRoot, stdio: 'pipe' });
  execFileSync('npm', ['ci', '--no-audit', '--no-fund', '--prefer-offline'], { cwd: making, stdio: 'pipe', timeout: 300_000 });
  writeFileSync(join(making, '.ready'), `${new Date().toISOString()}\n`);
  rmSync(dir, { recursive: true, force: true });
  renameSync(making, dir);
  return dir;
}
