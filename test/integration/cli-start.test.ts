import { execFileSync, spawn } from 'node:child_process';
import { createServer, type Server } from 'node:net';
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { FakeModel } from '../helpers/fake-model.js';
import { namespaceForFile } from '../helpers/namespace.js';
import { ownStackEnv } from '../helpers/own-stack-env.js';
import { freePort } from '../helpers/ports.js';
import { isAlive, killAll, killDevServerOf, runCli, spawnCli, stopStack } from '../helpers/processes.js';

async function portIsClosed(port: number): Promise<boolean> {
  return fetch(`http://127.0.0.1:${port}/`, { signal: AbortSignal.timeout(1000) }).then(
    () => false,
    () => true,
  );
}

describe('npx clawflow start', () => {
  const model = new FakeModel(
    (r) =>
      `heard ${r.messages
        .filter((m) => m.role === 'user')
        .map((m) => m.content)
        .join(' + ')}`,
  );
  const home = mkdtempSync(join(tmpdir(), 'clawflow-start-'));
  let env: NodeJS.ProcessEnv;
  let ports: { temporal: number; ui: number; runtime: number; api: number; webchat: number };

  beforeAll(async () => {
    await model.start();
    env = await ownStackEnv(home, {
      CLAWFLOW_MODEL_BASE_URL: model.baseUrl,
      CLAWFLOW_MODEL: 'scripted',
      CLAWFLOW_MODEL_API_KEY: 'sk-test-secret-value',
      // The console, as a user's start serves it (the test run turns it off elsewhere: its default port is shared).
      CLAWFLOW_CONSOLE_ENABLED: 'true',
      CLAWFLOW_CONSOLE_PORT: String(await freePort()),
    });
    const port = (name: string): number => Number(env[name]);
    ports = {
      temporal: port('CLAWFLOW_TEMPORAL_PORT'),
      ui: port('CLAWFLOW_TEMPORAL_UI_PORT'),
      runtime: port('CLAWFLOW_RUNTIME_PORT'),
      api: port('CLAWFLOW_API_PORT'),
      webchat: port('CLAWFLOW_WEBCHAT_PORT'),
    };
  });
  afterAll(async () => {
    await killAll();
    killDevServerOf(home);
    await model.stop();
    rmSync(home, { recursive: true, force: true });
  });

  it('runs the whole stack, stops cleanly on Ctrl-C, and a second start finds the session where it was', async () => {
    // As an older install (or a permissive umask) would have left it.
    chmodSync(home, 0o755);
    const first = spawnCli(['start'], env);
    await first.waitFor(/Press Ctrl-C to stop/, 120_000);
    // Its output went to a pipe, as to a file: the warning at start and the log lines are words, not JSON.
    expect(first.output()).toMatch(/^! the state dir was readable by other users: made its directories 0700 and its files 0600/m);
    expect(statSync(home).mode & 0o777).toBe(0o700);
    expect(
      first
        .output()
        .split('\n')
        .filter((line) => line.trimStart().startsWith('{')),
    ).toEqual([]);
    // The Web UI is ClawFlow's, behind its guard: it opens only with the key-bearing link start prints.
    expect(first.output()).toMatch(new RegExp(`Temporal Web UI   http://127\\.0\\.0\\.1:${ports.ui}/\\?token=\\S+`));
    expect(first.output()).toContain(`Agent runtime     http://127.0.0.1:${ports.runtime}`);
    expect(first.output()).toContain('scripted (openai-compatible at');
    expect((await fetch(`http://127.0.0.1:${ports.ui}/`)).status).toBe(401);
    expect(first.output()).toContain(`OpenAI API        http://127.0.0.1:${ports.api}/v1`);
    // The console too: on loopback, opened only by the link start prints (the same clawflow config --console-link prints).
    const consoleLink = new RegExp(`Console           (http://127\\.0\\.0\\.1:${env.CLAWFLOW_CONSOLE_PORT}/\\?token=\\S+)`).exec(first.output())![1]!;
    expect((await fetch(new URL('/', consoleLink))).status).toBe(401);
    expect((await fetch(consoleLink, { redirect: 'manual' })).status).toBe(303);
    expect((await runCli(['config', '--console-link'], { CLAWFLOW_HOME: home })).output.trim()).toBe(consoleLink);
    // The WebChat is on by default, on loopback, and opens only with the link start prints.
    expect(first.output()).toMatch(new RegExp(`WebChat           http://127\\.0\\.0\\.1:${ports.webchat}/\\S*`));
    expect((await fetch(`http://127.0.0.1:${ports.webchat}/`)).status).toBe(401);
    // The API wants the token this install made, which start prints.
    const token = /API token\s+(\S+)/.exec(first.output())![1]!;
    expect((await fetch(`http://127.0.0.1:${ports.api}/v1/models`)).status).toBe(401);
    const models = await fetch(`http://127.0.0.1:${ports.api}/v1/models`, { headers: { authorization: `Bearer ${token}` } });
    expect(await models.json()).toMatchObject({ object: 'list', data: [expect.objectContaining({ id: 'clawflow' }), expect.anything()] });
    expect((await runCli(['config', '--api-token'], env)).output.trim()).toBe(token);
    const ping = await (await fetch(`http://127.0.0.1:${ports.runtime}/ping`)).json();
    expect(ping).toMatchObject({ status: 'Healthy', time_of_last_update: expect.any(Number) });

    const sent = await runCli(['send', 'main:cli:me', 'one'], env);
    expect(sent).toMatchObject({ code: 0, output: 'heard one\n' });
    // Another terminal needs only CLAWFLOW_HOME: the stack says where it listens, whatever its ports.
    const elsewhere = await runCli(['sessions', 'list', '--json'], { CLAWFLOW_HOME: home, TEMPORAL_ADDRESS: '', CLAWFLOW_TEMPORAL_PORT: '' });
    expect(elsewhere.code, elsewhere.output).toBe(0);
    expect(JSON.parse(elsewhere.output)).toEqual([expect.objectContaining({ sessionKey: 'main:cli:me', turns: 1 })]);
    // A second stack on the same state dir is refused, naming the first.
    const twice = await runCli(['start'], env);
    expect(twice.code).toBe(1);
    expect(twice.output).toContain(`ClawFlow is already running from ${home} (process ${first.child.pid}`);
    // Everything it keeps (configuration, secrets, the Temporal database, transcripts) is the user's alone.
    const readableByOthers = (dir: string): string[] =>
      readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
        const path = join(dir, entry.name);
        if (path === join(home, 'workspace') || entry.isSymbolicLink()) return [];
        return [...((statSync(path).mode & 0o077) !== 0 ? [path] : []), ...(entry.isDirectory() ? readableByOthers(path) : [])];
      });
    expect(statSync(home).mode & 0o777).toBe(0o700);
    expect(readableByOthers(home)).toEqual([]);

    first.child.kill('SIGINT');
    expect(await first.exited, first.output()).toBe(0);
    expect(first.output()).toMatch(/Stopped\./);
    expect(await portIsClosed(ports.ui)).toBe(true);
    expect(first.output()).not.toContain('sk-test-secret-value');

    const second = spawnCli(['start'], env);
    await second.waitFor(/Press Ctrl-C to stop/, 120_000);
    const again = await runCli(['send', 'main:cli:me', 'two'], env);
    expect(again).toMatchObject({ code: 0, output: 'heard one + two\n' });
    // The list may be up to session.listRefreshSeconds (15 s) behind a session that wrote what it shows just before.
    const listed = async (): Promise<unknown> => JSON.parse((await runCli(['sessions', 'list', '--json'], env)).output);
    await expect.poll(listed, { timeout: 30_000, interval: 1000 }).toEqual([expect.objectContaining({ sessionKey: 'main:cli:me', turns: 2, status: 'idle' })]);

    second.child.kill('SIGTERM');
    expect(await second.exited, second.output()).toBe(0);
    expect(await portIsClosed(ports.ui)).toBe(true);
  });

  it('refuses to start anything while a port it needs is taken, naming each and the setting that moves it', async () => {
    const blockers = await Promise.all(
      [ports.api, ports.webchat].map(
        (port) =>
          new Promise<Server>((resolve) => {
            const server = createServer().listen(port, '127.0.0.1', () => resolve(server));
          }),
      ),
    );
    try {
      const refused = await runCli(['start'], env);
      expect(refused.code).toBe(1);
      expect(refused.output).toContain(`127.0.0.1:${ports.api} (OpenAI-compatible API) is in use: choose another with CLAWFLOW_API_PORT or api.port`);
      expect(refused.output).toContain(`127.0.0.1:${ports.webchat} (WebChat) is in use: choose another with CLAWFLOW_WEBCHAT_PORT or channels.webchat.port`);
      expect(refused.output).toContain('Nothing was started.');
      // Not even Temporal: its port is free, and no server was left behind.
      expect(await portIsClosed(ports.temporal)).toBe(true);
      expect(refused.output).not.toContain('Starting the Temporal dev server');
    } finally {
      await Promise.all(blockers.map((server) => new Promise((resolve) => server.close(resolve))));
    }
  });

  it('says at once that the stack is down, and how to start it: never started, or killed outright', async () => {
    const timed = async (args: string[], environment: NodeJS.ProcessEnv) => {
      const started = Date.now();
      const result = await runCli(args, environment);
      return { ...result, ms: Date.now() - started };
    };
    // Never started here: nothing answers where its Temporal would be.
    const fresh = mkdtempSync(join(tmpdir(), 'clawflow-never-started-'));
    try {
      for (const args of [['status'], ['send', 'main:cli:me', 'hello'], ['sessions', 'list']]) {
        const result = await timed(args, { ...env, CLAWFLOW_HOME: fresh });
        expect(result.code, args.join(' ')).toBe(1);
        expect(result.output).toContain(
          `ClawFlow is not running from ${fresh}: nothing answers at 127.0.0.1:${ports.temporal}. Start it with \`clawflow start\``,
        );
        expect(result.ms, args.join(' ')).toBeLessThan(4000);
      }
    } finally {
      rmSync(fresh, { recursive: true, force: true });
    }
    // Killed outright: its dev server may answer still, but no worker would: refused at once, never a hang.
    const stack = spawnCli(['start'], env);
    await stack.waitFor(/Press Ctrl-C to stop/, 120_000);
    const pidFile = join(home, 'temporal', 'server.pid');
    const stalePid = Number(readFileSync(pidFile, 'utf8').trim());
    stack.child.kill('SIGKILL');
    await stack.exited;
    // The dev server runs detached: it outlives the kill, holding the SQLite file.
    expect(isAlive(stalePid)).toBe(true);
    const send = await timed(['send', 'main:cli:me', 'are you there?'], env);
    expect(send.code).toBe(1);
    expect(send.output).toContain(
      `ClawFlow is not running: its process ${stack.child.pid} ended without stopping (killed?), so no worker answers. Start it with \`clawflow start\``,
    );
    expect(send.ms).toBeLessThan(4000);
    const status = await timed(['status', '--json'], env);
    expect(JSON.parse(status.output)).toMatchObject({ running: false });

    // The next start stops the server the dead one left behind and runs its own on the same file.
    const again = spawnCli(['start'], env);
    try {
      await again.waitFor(/Press Ctrl-C to stop/, 120_000);
      expect(isAlive(stalePid)).toBe(false);
      const freshPid = Number(readFileSync(pidFile, 'utf8').trim());
      expect(freshPid).not.toBe(stalePid);
      expect(isAlive(freshPid)).toBe(true);
      expect((await runCli(['send', 'main:cli:me', 'back again?'], env)).output).toContain('back again?');
    } finally {
      await stopStack(again, home);
    }
  });

  it('uses the server TEMPORAL_ADDRESS points at instead of starting one', async () => {
    const external = spawnCli(['start'], {
      ...env,
      TEMPORAL_ADDRESS: inject('temporalAddress'),
      TEMPORAL_NAMESPACE: namespaceForFile(import.meta.url),
      CLAWFLOW_RUNTIME_PORT: String(await freePort()),
      CLAWFLOW_API_PORT: String(await freePort()),
      CLAWFLOW_WEBCHAT_PORT: String(await freePort()),
    });
    await external.waitFor(/Press Ctrl-C to stop/, 60_000);
    expect(external.output()).toContain(`Connecting to Temporal at ${inject('temporalAddress')} (TEMPORAL_ADDRESS)`);
    expect(external.output()).not.toContain('Temporal Web UI');
    external.child.kill('SIGINT');
    expect(await external.exited, external.output()).toBe(0);
  });

  it('stops everything it started when `npm start` gets SIGTERM (as from a service manager or kill)', async () => {
    const npm = spawn('npm', ['start'], {
      cwd: fileURLToPath(new URL('../..', import.meta.url)),
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    npm.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    npm.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    await expect.poll(() => output, { timeout: 120_000, interval: 200 }).toMatch(/Press Ctrl-C to stop/);
    const temporalPid = Number(readFileSync(join(home, 'temporal', 'server.pid'), 'utf8').trim());
    // Everything npm started: its shell, ClawFlow's node process (and not other tests' stacks).
    const descendants = (pid: number): number[] => {
      let children: number[];
      try {
        children = execFileSync('pgrep', ['-P', String(pid)], { encoding: 'utf8' })
          .trim()
          .split('\n')
          .map(Number);
      } catch {
        children = []; // pgrep exits 1 when there are none
      }
      return children.flatMap((child) => [child, ...descendants(child)]);
    };
    const clawflowPids = descendants(npm.pid!);
    expect(clawflowPids).toContain(temporalPid);
    npm.kill('SIGTERM');
    try {
      await expect.poll(() => [temporalPid, ...clawflowPids].filter(isAlive), { timeout: 30_000, interval: 250 }).toEqual([]);
      for (const port of Object.values(ports)) expect(await portIsClosed(port)).toBe(true);
    } finally {
      for (const pid of [temporalPid, ...clawflowPids].filter(isAlive)) process.kill(pid, 'SIGKILL');
    }
  });

  it('fails with a clear message when TEMPORAL_ADDRESS is unreachable', async () => {
    const port = await freePort();
    const result = await runCli(['start'], { ...env, TEMPORAL_ADDRESS: `127.0.0.1:${port}` });
    expect(result.code).toBe(1);
    expect(result.output).toContain(`Temporal at 127.0.0.1:${port} (temporal.address or TEMPORAL_ADDRESS) is not reachable`);
  });
});
