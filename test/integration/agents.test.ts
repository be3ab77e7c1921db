import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningApi } from '../../src/api/openai-api.js';
import { apiToken } from '../../src/config/secrets.js';
import { namespaceForFile } from '../helpers/namespace.js';
import { runCli } from '../helpers/processes.js';
import { TestStack } from '../helpers/test-stack.js';

describe('several agents from the CLI and the API', () => {
  let stack: TestStack;
  let api: RunningApi;
  let workspace: string;

  beforeAll(async () => {
    stack = await TestStack.start({ namespace: namespaceForFile(import.meta.url), config: { agents: { list: [{ id: 'work', model: 'scripted-work' }] } } });
    stack.model.setReply((r) => `${r.model} heard: ${r.messages.at(-1)?.content?.slice(0, 200)}`);
    await stack.startWorker();
    api = await stack.startApi();
    workspace = join(stack.config.paths.home, 'workspace-work');
    for (let i = 0; i < 100 && !existsSync(join(workspace, 'HEARTBEAT.md')); i++) await new Promise((resolve) => setTimeout(resolve, 100));
    writeFileSync(join(workspace, 'SOUL.md'), '# SOUL.md\n\nYou are the WORK agent.\n');
    writeFileSync(join(workspace, 'HEARTBEAT.md'), '# HEARTBEAT.md\n\n- WORK-CHECK: look at the build board.\n');
  });
  afterAll(() => stack?.stop());

  it("addresses an agent with send --agent and the API's clawflow/<agent>; a missing agent is named", async () => {
    const sent = await runCli(['send', '--agent', 'work', 'me', 'hello work'], stack.env);
    expect(sent.code, sent.output).toBe(0);
    expect(sent.output).toContain('scripted-work heard: hello work');
    expect(String(stack.model.requests.at(-1)!.messages[0]!.content)).toContain('You are the WORK agent.');
    expect((await stack.transcript('work:cli:me')).map((e) => e.text)).toEqual(['hello work', 'scripted-work heard: hello work']);

    const headers = { 'content-type': 'application/json', authorization: `Bearer ${apiToken(stack.config)}` };
    const models = (await (await fetch(`${api.url}/models`, { headers })).json()) as { data: Array<{ id: string }> };
    expect(models.data.map((m) => m.id)).toEqual(['clawflow', 'clawflow/main', 'clawflow/work']);
    const response = await fetch(`${api.url}/chat/completions`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ model: 'clawflow/work', user: 'u1', messages: [{ role: 'user', content: 'hi from the API' }] }),
    });
    expect(response.headers.get('x-clawflow-session-key')).toBe('work:api:u1');
    expect(((await response.json()) as { choices: Array<{ message: { content: string } }> }).choices[0]!.message.content).toBe(
      'scripted-work heard: hi from the API',
    );

    const missing = await runCli(['send', 'nobody:cli:me', 'hello?'], stack.env);
    expect(missing.code).not.toBe(0);
    expect(missing.output).toContain('there is no agent "nobody" (agents: main, work; add one to agents.list)');
  });

  it("runs an agent's own heartbeat: its HEARTBEAT.md, in its main session", async () => {
    const set = await runCli(['heartbeat', 'set', '--agent', 'work', '--every', '1h'], stack.env);
    expect(set.code, set.output).toBe(0);
    const requests = stack.model.requests.length;
    const run = await runCli(['heartbeat', 'run', '--agent', 'work'], stack.env);
    expect(run.code, run.output).toBe(0);
    await expect
      .poll(() => stack.model.requests.slice(requests).some((r) => r.messages.at(-1)?.content?.includes('WORK-CHECK')), { timeout: 30_000 })
      .toBe(true);
    expect(stack.model.requests.slice(requests).find((r) => r.messages.at(-1)?.content?.includes('WORK-CHECK'))!.model).toBe('scripted-work');
    await expect.poll(async () => (await stack.transcript('work:main:main')).length, { timeout: 30_000 }).toBe(2);
    expect((await runCli(['heartbeat', 'show', '--agent', 'nobody'], stack.env)).output).toContain('there is no agent "nobody"');
    expect((await runCli(['heartbeat', 'off', '--agent', 'work'], stack.env)).code).toBe(0);
  });
});
