import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import semver from 'semver';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));

describe('the Node versions the dependencies declare', () => {
  it('every installed package runs on the oldest Node package.json promises (engines)', () => {
    const ours = (JSON.parse(readFileSync(`${root}package.json`, 'utf8')) as { engines: { node: string } }).engines.node;
    const oldest = semver.minVersion(ours)!.version;
    const lock = JSON.parse(readFileSync(`${root}package-lock.json`, 'utf8')) as {
      packages: Record<string, { engines?: { node?: string } | string[]; version?: string }>;
    };
    const refusing = Object.entries(lock.packages)
      .filter(([path, pkg]) => path && pkg.engines && !Array.isArray(pkg.engines) && pkg.engines.node && !semver.satisfies(oldest, pkg.engines.node))
      .map(([path, pkg]) => `${path.replace(/^node_modules\//, '')}@${pkg.version} wants node ${(pkg.engines as { node: string }).node}`);
    expect(refusing, `package.json says node ${ours}`).toEqual([]);
  });
});
