import { createReadStream, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cachedWebUiDir, goProxy, resolveWebUiAssets, temporalUiVersion } from '../../src/temporal/web-ui-assets.js';

/** The ui-server module zip as Go's module proxy serves it: from Go's own download cache, else from the proxy itself. */
async function moduleZip(dir: string): Promise<string> {
  const cache = process.env.GOMODCACHE ?? join(process.env.GOPATH ?? join(homedir(), 'go'), 'pkg', 'mod');
  const cached = join(cache, 'cache', 'download', 'github.com', 'temporalio', 'ui-server', 'v2', '@v', `${temporalUiVersion}.zip`);
  if (existsSync(cached)) return cached;
  const response = await fetch(`${goProxy(process.env)}/github.com/temporalio/ui-server/v2/@v/${temporalUiVersion}.zip`);
  if (!response.ok) throw new Error(`the Go module proxy answered ${response.status}`);
  const file = join(dir, 'module.zip');
  writeFileSync(file, Buffer.from(await response.arrayBuffer()));
  return file;
}

describe("the Temporal Web UI's files: from the module proxy, checked against the go.sum hash, then from the cache", () => {
  const dir = mkdtempSync(join(tmpdir(), 'clawflow-ui-assets-'));
  let proxy: Server;
  let proxyUrl: string;
  const asked: string[] = [];
  // A machine without Go and without Go's module cache: only the proxy can give the files.
  const bareEnv = (): NodeJS.ProcessEnv => ({
    PATH: '/usr/bin:/bin',
    HOME: join(dir, 'home'),
    GOPATH: join(dir, 'no-go'),
    GOMODCACHE: join(dir, 'no-go', 'mod'),
    GOPROXY: `${proxyUrl},direct`,
  });

  beforeAll(async () => {
    const zip = await moduleZip(dir);
    proxy = createServer((req, res) => {
      asked.push(req.url ?? '');
      if (req.url !== `/github.com/temporalio/ui-server/v2/@v/${temporalUiVersion}.zip`) return void res.writeHead(404).end();
      res.writeHead(200, { 'content-type': 'application/zip' });
      createReadStream(zip).pipe(res);
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise((resolve) => proxy.close(resolve));
    rmSync(dir, { recursive: true, force: true });
  });

  it('refuses a module that does not match its hash, and keeps nothing of it', async () => {
    const cacheDir = join(dir, 'cache-tampered');
    await expect(resolveWebUiAssets({ cacheDir, env: bareEnv(), moduleHash: 'h1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=' })).rejects.toThrow(
      /does not match its go\.sum hash/,
    );
    expect(existsSync(cachedWebUiDir(cacheDir))).toBe(false);
  });

  it('downloads a matching module once into the per-machine cache, and takes it from there after', async () => {
    const cacheDir = join(dir, 'cache');
    const first = await resolveWebUiAssets({ cacheDir, env: bareEnv() });
    expect(first).toEqual({ dir: cachedWebUiDir(cacheDir), source: 'downloaded' });
    expect(existsSync(join(first.dir, 'index.html'))).toBe(true);
    const before = asked.length;
    expect(await resolveWebUiAssets({ cacheDir, env: bareEnv() })).toEqual({ dir: first.dir, source: 'cache' });
    expect(asked.length).toBe(before);
    // Looking only (doctor) never downloads.
    await expect(resolveWebUiAssets({ cacheDir: join(dir, 'empty'), env: bareEnv(), download: false })).rejects.toThrow(/not on this machine yet/);
    await expect(resolveWebUiAssets({ cacheDir, explicitDir: dir })).rejects.toThrow(/holds no Temporal Web UI/);
  }, 120_000);
});
