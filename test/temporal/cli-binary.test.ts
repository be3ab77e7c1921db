import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cachedCliPath, resolveTemporalCli } from '../../src/temporal/cli-binary.js';

function executable(dir: string, name: string): string {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, name);
  writeFileSync(path, '#!/bin/sh\necho fake\n');
  chmodSync(path, 0o755);
  return path;
}

describe('finding the Temporal CLI', () => {
  const root = mkdtempSync(join(tmpdir(), 'clawflow-cli-'));
  const cacheDir = join(root, 'cache');
  const pathDir = join(root, 'bin');
  const emptyDir = join(root, 'empty');
  mkdirSync(emptyDir);

  it('prefers an explicit path, then PATH, then the cache', async () => {
    const explicit = executable(join(root, 'explicit'), 'temporal');
    const onPath = executable(pathDir, 'temporal');
    const cached = executable(join(cachedCliPath(cacheDir), '..'), 'temporal');
    expect(await resolveTemporalCli({ explicitPath: explicit, cacheDir, env: { PATH: pathDir } })).toEqual({ kind: 'binary', path: explicit, source: 'explicit' });
    expect(await resolveTemporalCli({ explicitPath: undefined, cacheDir, env: { PATH: pathDir } })).toEqual({ kind: 'binary', path: onPath, source: 'path' });
    expect(await resolveTemporalCli({ explicitPath: undefined, cacheDir, env: { PATH: emptyDir } })).toEqual({ kind: 'binary', path: cached, source: 'cache' });
  });

  it('refuses an explicit path that is not an executable', async () => {
    await expect(resolveTemporalCli({ explicitPath: join(root, 'missing'), cacheDir, env: {} })).rejects.toThrow(/not an executable file/);
  });

  it("falls back to @temporalio/testing's downloader when there is neither a binary nor Go", async () => {
    const progress: string[] = [];
    const result = await resolveTemporalCli({ explicitPath: undefined, cacheDir: join(root, 'other-cache'), env: { PATH: emptyDir }, onProgress: (m) => progress.push(m) });
    expect(result).toEqual({ kind: 'download', downloadDir: join(root, 'other-cache', 'temporal-download') });
    expect(progress.join('\n')).toMatch(/will download/);
  });

  it('builds with Go when Go is there, and reports a failed build', async () => {
    // A stand-in `go` that fails like a build without network would: the error must carry its output.
    const goDir = join(root, 'go-bin');
    mkdirSync(goDir);
    writeFileSync(join(goDir, 'go'), '#!/bin/sh\necho "go: module lookup disabled" >&2\nexit 1\n');
    chmodSync(join(goDir, 'go'), 0o755);
    const progress: string[] = [];
    await expect(
      resolveTemporalCli({ explicitPath: undefined, cacheDir: join(root, 'go-cache'), env: { PATH: goDir }, onProgress: (m) => progress.push(m) }),
    ).rejects.toThrow(/go install github\.com\/temporalio\/cli\/cmd\/temporal@v1\.5\.1 failed \(exit 1\):\s+go: module lookup disabled/);
    expect(progress[0]).toMatch(/Building the Temporal CLI v1\.5\.1 with Go/);
  });
});
