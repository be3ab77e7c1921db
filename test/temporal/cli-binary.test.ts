import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cachedCliPath, resolveTemporalCli, temporalCliVersion } from '../../src/temporal/cli-binary.js';

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
    expect(await resolveTemporalCli({ explicitPath: explicit, cacheDir, env: { PATH: pathDir } })).toEqual({
      kind: 'binary',
      path: explicit,
      source: 'explicit',
    });
    expect(await resolveTemporalCli({ explicitPath: undefined, cacheDir, env: { PATH: pathDir } })).toEqual({ kind: 'binary', path: onPath, source: 'path' });
    expect(await resolveTemporalCli({ explicitPath: undefined, cacheDir, env: { PATH: emptyDir } })).toEqual({ kind: 'binary', path: cached, source: 'cache' });
  });

  it('refuses an explicit path that is not an executable', async () => {
    await expect(resolveTemporalCli({ explicitPath: join(root, 'missing'), cacheDir, env: {} })).rejects.toThrow(/not an executable file/);
  });

  it("falls back to @temporalio/testing's downloader when there is neither a binary nor Go", async () => {
    const progress: string[] = [];
    const result = await resolveTemporalCli({
      explicitPath: undefined,
      cacheDir: join(root, 'other-cache'),
      env: { PATH: emptyDir, CLAWFLOW_TEMPORAL_DOWNLOAD_URL: 'http://127.0.0.1:1' },
      onProgress: (m) => progress.push(m),
    });
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
      resolveTemporalCli({
        explicitPath: undefined,
        cacheDir: join(root, 'go-cache'),
        env: { PATH: goDir, CLAWFLOW_TEMPORAL_DOWNLOAD_URL: 'http://127.0.0.1:1' },
        onProgress: (m) => progress.push(m),
      }),
    ).rejects.toThrow(/go install github\.com\/temporalio\/cli\/cmd\/temporal@v1\.5\.1 failed \(exit 1\):\s+go: module lookup disabled/);
    // The release download is tried first; Go only when it fails.
    expect(progress[0]).toMatch(/^Could not download the Temporal CLI \(.*\); building it instead$/);
    expect(progress[1]).toMatch(/Building the Temporal CLI v1\.5\.1 with Go/);
  });

  it('downloads the official release archive when its SHA-256 matches the published one, and refuses a corrupt one', async () => {
    const archive = `temporal_cli_${temporalCliVersion.slice(1)}_${process.platform}_${process.arch === 'x64' ? 'amd64' : process.arch}.tar.gz`;
    const stage = join(root, 'stage');
    executable(stage, 'temporal');
    execFileSync('tar', ['-czf', join(root, archive), '-C', stage, 'temporal']);
    const good = readFileSync(join(root, archive));
    let served = good;
    const server = createServer((req, res) => {
      if (req.url === `/temporal_cli_${temporalCliVersion.slice(1)}_checksums.txt`)
        return void res.end(`${'0'.repeat(64)}  other.tar.gz\n${createHash('sha256').update(good).digest('hex')}  ${archive}\n`);
      if (req.url === `/${archive}`) return void res.end(served);
      res.writeHead(404).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const cache = join(root, 'download-cache');
      const found = await resolveTemporalCli({ explicitPath: undefined, cacheDir: cache, env: { PATH: emptyDir, CLAWFLOW_TEMPORAL_DOWNLOAD_URL: url } });
      expect(found).toEqual({ kind: 'binary', path: cachedCliPath(cache), source: 'downloaded' });
      expect(execFileSync(cachedCliPath(cache), { encoding: 'utf8' })).toBe('fake\n');

      served = Buffer.concat([good.subarray(0, 100), Buffer.from('tampered'), good.subarray(108)]);
      const progress: string[] = [];
      const refused = await resolveTemporalCli({
        explicitPath: undefined,
        cacheDir: join(root, 'corrupt-cache'),
        env: { PATH: emptyDir, CLAWFLOW_TEMPORAL_DOWNLOAD_URL: url },
        onProgress: (m) => progress.push(m),
      });
      expect(refused.kind).toBe('download');
      expect(progress.join('\n')).toMatch(/does not match its published SHA-256 .*: not used/);
      expect(existsSync(cachedCliPath(join(root, 'corrupt-cache')))).toBe(false);
    } finally {
      server.close();
    }
  });
});
