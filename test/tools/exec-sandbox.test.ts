import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, inject } from 'vitest';
import { execTool } from '../../src/tools/exec.js';
import { resolveExecSandbox, sandboxedCommand, type ExecSandbox } from '../../src/tools/exec-sandbox.js';
import { ToolError } from '../../src/tools/tool.js';
import { toolContext, toolContexts } from '../helpers/tool-context.js';

/** What a command leaves on a page the agent read could ask it to do: read, write and reach beyond its workspace. */
describe.skipIf(inject('machine').bubblewrap)('exec under bubblewrap (tools.exec.sandbox)', () => {
  const contexts = toolContexts();
  const outside = mkdtempSync(join(tmpdir(), 'clawflow-outside-'));
  const secret = join(outside, 'id_rsa');
  let listener: Server;
  let port: number;
  let sandbox: ExecSandbox;
  afterEach(() => contexts.cleanup());
  beforeAll(async () => {
    writeFileSync(secret, 'PRIVATE KEY');
    listener = createServer((socket) => socket.end('hello from the host\n'));
    await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
    port = (listener.address() as { port: number }).port;
    const choice = await resolveExecSandbox({ mode: 'bwrap', network: false, readOnlyPaths: [] });
    expect(choice.ok).toBe(true);
    sandbox = choice.sandbox!;
  });
  afterAll(async () => {
    await new Promise((resolve) => listener.close(resolve));
    rmSync(outside, { recursive: true, force: true });
  });

  const run = async (context: ReturnType<typeof toolContext>, command: string): Promise<string> =>
    String(
      await execTool.run({ command }, context).catch((error: unknown) => (error instanceof ToolError ? `refused: ${error.message}` : Promise.reject(error))),
    );
  const reach = `python3 -c "import socket; print(socket.create_connection(('127.0.0.1', ${0}), 2).recv(100).decode())"`;
  const connect = () => reach.replace('0)', `${port})`);

  it('cannot read outside the workspace, cannot write outside it, cannot reach a loopback port; the workspace is its own', async () => {
    const context = { ...contexts.make({ exec: { policy: 'full' } }), sandbox };
    const read = await run(context, `cat ${secret}; ls ${outside}`);
    expect(read).not.toContain('PRIVATE KEY');
    expect(read).toMatch(/^exit code [1-9]/);
    expect(await run(context, `echo planted > ${join(outside, 'planted')}`)).toMatch(/^exit code [1-9][\s\S]*(cannot create|No such file)/);
    expect(await run(context, 'touch /etc/planted')).toMatch(/^exit code [1-9][\s\S]*Read-only file system/);
    expect(existsSync(join(outside, 'planted'))).toBe(false);
    expect(existsSync('/etc/planted')).toBe(false);
    // /tmp is its own (it holds only the way to the workspace), and gone afterwards.
    expect(await run(context, `echo x > /tmp/left-behind && ls /tmp`)).toMatch(/^exit code 0\n[\s\S]*left-behind/);
    expect(existsSync('/tmp/left-behind')).toBe(false);
    expect(await run(context, connect())).toMatch(/^exit code 1[\s\S]*(Network is unreachable|Connection refused)/);
    // The workspace is read-write, at its own path: a file written there is the user's.
    expect(await run(context, 'pwd; echo made here > notes.txt; python3 --version')).toMatch(
      new RegExp(`^exit code 0\\n${context.workspace.replaceAll('.', '\\.')}\\nPython 3`),
    );
    expect(readFileSync(join(context.workspace, 'notes.txt'), 'utf8')).toBe('made here\n');
    // Its own processes only: the host's are not there to see or signal.
    expect(Number((await run(context, 'ls /proc | grep -c "^[0-9]"')).split('\n')[1])).toBeLessThan(10);
  });

  it('ends everything a command started when the turn is stopped, or when the process that ran it dies', async () => {
    /** Host processes still running `sleep <seconds>` (a marker nothing else uses). */
    const sleeping = (seconds: string): number =>
      readdirSync('/proc').filter(
        (pid) =>
          /^\d+$/.test(pid) &&
          (() => {
            try {
              return readFileSync(`/proc/${pid}/cmdline`, 'utf8') === `sleep\0${seconds}\0`;
            } catch {
              return false;
            }
          })(),
      ).length;
    const context = { ...contexts.make({ exec: { policy: 'full' } }), sandbox };
    const stop = new AbortController();
    const running = execTool.run({ command: 'sleep 37.1 & sleep 37.1 & wait' }, { ...context, signal: stop.signal }).catch((error: Error) => error.message);
    await expect.poll(() => sleeping('37.1'), { timeout: 10_000 }).toBe(2);
    stop.abort();
    expect(await running).toMatch(/cancelled/);
    await expect.poll(() => sleeping('37.1'), { timeout: 10_000 }).toBe(0);

    // A tools worker killed outright: bubblewrap dies with it, and its PID namespace with everything in it.
    const { file, args } = sandboxedCommand(sandbox, {
      workspace: context.workspace,
      cwd: context.workspace,
      home: undefined,
      protectedPaths: [],
      command: 'sleep 37.2 & wait',
    });
    const parent = spawn('/bin/sh', ['-c', '"$@" & wait', 'sh', file, ...args], { stdio: 'ignore' });
    await expect.poll(() => sleeping('37.2'), { timeout: 10_000 }).toBe(1);
    parent.kill('SIGKILL');
    await expect.poll(() => sleeping('37.2'), { timeout: 10_000 }).toBe(0);
  });

  it("keeps ClawFlow's own files out of reach even in a workspace that holds them", async () => {
    const context = { ...contexts.make({ exec: { policy: 'full' } }), sandbox };
    const secrets = join(context.workspace, 'secrets');
    mkdirSync(secrets);
    writeFileSync(join(secrets, 'api-token'), 'the install token');
    const masked = { ...context, protectedPaths: [...context.protectedPaths, secrets] };
    expect(await run(masked, 'cat secrets/api-token; ls secrets | wc -l')).not.toContain('the install token');
    // No capabilities, whoever runs ClawFlow (root too): the mask cannot be taken off.
    const unmasked = await run(masked, `grep CapEff /proc/self/status; umount ${secrets}; cat secrets/api-token`);
    expect(unmasked).toMatch(/CapEff:\s+0+\n/);
    expect(unmasked).not.toContain('the install token');
  });

  it('works in a workspace reached through a symbolic link', async () => {
    const context = { ...contexts.make({ exec: { policy: 'full' } }), sandbox };
    const linked = join(outside, 'linked-workspace');
    symlinkSync(context.workspace, linked);
    expect(await run({ ...context, workspace: linked }, 'echo through the link > linked.txt && echo ok')).toBe('exit code 0\nok\n');
    expect(readFileSync(join(context.workspace, 'linked.txt'), 'utf8')).toBe('through the link\n');
  });

  it('opens the network when tools.exec.sandbox.network is true', async () => {
    const context = { ...contexts.make({ exec: { policy: 'full' } }), sandbox: { ...sandbox, network: true } };
    expect(await run(context, connect())).toBe('exit code 0\nhello from the host\n\n');
  });

  it('behaves as before with "none": the same commands reach the host', async () => {
    const context = contexts.make({ exec: { policy: 'full', sandbox: 'none' } });
    expect((await resolveExecSandbox(context.config.exec.sandbox)).sandbox).toBeNull();
    expect(await run(context, `cat ${secret}`)).toBe('exit code 0\nPRIVATE KEY');
    expect(await run(context, connect())).toBe('exit code 0\nhello from the host\n\n');
  });

  it('says so, and how to fix it, when bubblewrap is missing: auto runs on the host, bwrap refuses to start', async () => {
    const noBwrap = { PATH: '/nonexistent' };
    const auto = await resolveExecSandbox({ mode: 'auto', network: false, readOnlyPaths: [] }, noBwrap);
    expect(auto).toMatchObject({ sandbox: null, ok: false });
    expect(auto.summary).toMatch(/^NOT sandboxed \(bwrap is not installed\).*apt-get install bubblewrap/);
    await expect(resolveExecSandbox({ mode: 'bwrap', network: false, readOnlyPaths: [] }, noBwrap)).rejects.toThrow(
      /tools\.exec\.sandbox is "bwrap", but bwrap is not installed/,
    );
  });
});
