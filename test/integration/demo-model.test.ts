import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ownStackEnv } from '../helpers/own-stack-env.js';
import { killAll, runCli, spawnCli, stopStack, type CliProcess } from '../helpers/processes.js';

describe('CLAWFLOW_MODEL=demo: tools, approvals and memory in the first minutes, without a model', () => {
  const home = mkdtempSync(join(tmpdir(), 'clawflow-demo-'));
  let env: NodeJS.ProcessEnv;
  let stack: CliProcess;

  beforeAll(async () => {
    env = await ownStackEnv(home, { CLAWFLOW_MODEL_BASE_URL: '', CLAWFLOW_MODEL: 'demo' });
    stack = spawnCli(['start'], env);
    await stack.waitFor(/Press Ctrl-C to stop/, 120_000);
  });
  afterAll(async () => {
    await stopStack(stack, home);
    await killAll();
    rmSync(home, { recursive: true, force: true });
  });

  it('says it is the demo model, and runs "run: echo hi" once the user approves it', async () => {
    expect(stack.output()).toContain('Model             demo (the built-in demo model: it follows simple cues');
    const send = spawnCli(['send', 'main:cli:me', 'run: echo hi'], env);
    await send.waitFor(/The agent asks to run \(exec\): echo hi/, 30_000);
    const requestId = /npx clawflow approve main:cli:me (\S+)\n/.exec(send.output())![1]!;
    expect((await runCli(['approve', 'main:cli:me', requestId], env)).code).toBe(0);
    expect(await send.exited).toBe(0);
    expect(send.output()).toMatch(/I ran `echo hi`:\n[\s\S]*hi/);
  });

  it('reads a workspace file, and remembers a fact in MEMORY.md once the owner allows changing its memory', async () => {
    const read = await runCli(['send', 'main:cli:me', 'read: USER.md'], env);
    expect(read.code).toBe(0);
    expect(read.output).toMatch(/^USER\.md says:\n/);
    // MEMORY.md becomes part of the agent's instructions: under "ask" the owner says yes first ("always" for the session).
    const remember = spawnCli(['send', 'main:cli:me', 'remember: I like green tea'], env);
    await remember.waitFor(/The agent asks to run \(write\): write MEMORY\.md/, 30_000);
    const requestId = /npx clawflow approve main:cli:me (\S+)\n/.exec(remember.output())![1]!;
    expect((await runCli(['approve', 'main:cli:me', requestId, '--always'], env)).code).toBe(0);
    expect(await remember.exited).toBe(0);
    expect(remember.output()).toMatch(/Noted in my memory: I like green tea\n$/);
    expect(readFileSync(join(home, 'workspace', 'MEMORY.md'), 'utf8')).toMatch(/\n- I like green tea\n$/);
    // Allowed "always": the next fact goes in without asking.
    const again = await runCli(['send', 'main:cli:me', 'remember: I live in Lyon'], env);
    expect(again).toMatchObject({ code: 0, output: 'Noted in my memory: I live in Lyon\n' });
    const other = await runCli(['send', 'main:cli:me', 'hello'], env);
    expect(other.output).toMatch(/I am the demo model[\s\S]*You said: hello/);
  });
});
