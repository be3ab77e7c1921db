import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ModelRequest, ScriptedAnswer } from '../helpers/fake-model.js';
import { namespaceForFile } from '../helpers/namespace.js';
import { runCli, spawnCli } from '../helpers/processes.js';
import { TestStack } from '../helpers/test-stack.js';

const testServer = fileURLToPath(new URL('../helpers/mcp-test-server.mjs', import.meta.url));

/** The model calls one tool, then answers with what the tool said; it notes the tools it was offered. */
function oneToolThenReport(name: string, args: Record<string, unknown>, offered: string[][] = []) {
  return (request: ModelRequest): ScriptedAnswer => {
    offered.push((request.tools ?? []).map((t) => t.function.name));
    const asked = request.messages.findLastIndex((m) => m.role === 'user');
    const result = request.messages.slice(asked).findLast((m) => m.role === 'tool');
    if (result) return `tool said: ${result.content}`;
    return { toolCalls: [{ name, arguments: args }] };
  };
}

describe('MCP servers as tools in a session (real worker processes, real Temporal, an SDK-built stdio server)', () => {
  let stack: TestStack;
  const callLog = join(tmpdir(), `clawflow-mcp-session-calls-${process.pid}.jsonl`);
  const calls = (): Array<{ tool: string; args: Record<string, unknown>; pid: number }> =>
    existsSync(callLog)
      ? readFileSync(callLog, 'utf8')
          .trim()
          .split('\n')
          .filter(Boolean)
          .map((line) => JSON.parse(line) as { tool: string; args: Record<string, unknown>; pid: number })
      : [];

  beforeAll(async () => {
    // The configuration a user writes: the same server twice, once with every call asked for first.
    const server = { command: process.execPath, args: [testServer], env: { MCP_CALL_LOG: callLog } };
    stack = await TestStack.start({
      namespace: namespaceForFile(import.meta.url),
      config: { agent: { heartbeatTimeoutSeconds: 3 }, tools: { mcp: { servers: { demo: server, guarded: { ...server, ask: true } } } } },
    });
    await stack.startWorker();
  });
  afterAll(async () => {
    await stack?.stop();
    rmSync(callLog, { force: true });
  });

  it("offers the configured server's tools to the model, and its result comes back", async () => {
    const offered: string[][] = [];
    stack.model.setReply(oneToolThenReport('demo__add', { a: 2, b: 40 }, offered));
    const reply = await stack.send('main:test:mcp-add', 'what is 2 + 40?');
    expect(reply.text).toBe('tool said: <<<UNTRUSTED WEB CONTENT from the MCP server demo (add)>>>\n42\n<<<END UNTRUSTED WEB CONTENT>>>');
    expect(offered[0]).toEqual(expect.arrayContaining(['read', 'exec', 'demo__add', 'demo__slow', 'guarded__add']));
    expect(calls().map((c) => [c.tool, c.args])).toEqual([['add', { a: 2, b: 40 }]]);
  });

  it('tells the model when the server dies during a call, calls nothing twice, and starts the server again for the next call', async () => {
    const key = 'main:test:mcp-killed';
    const before = calls().length;
    stack.model.setReply(oneToolThenReport('demo__slow', { ms: 60_000 }));
    const pending = stack.send(key, 'take your time');
    await expect.poll(() => calls().length, { timeout: 20_000 }).toBe(before + 1);
    const { pid } = calls().at(-1)!;
    process.kill(pid, 'SIGKILL');
    expect((await pending).text).toBe(
      'tool said: Error: demo__slow: the MCP server "demo" stopped during the call; it may or may not have done it — check before trying again (the server is started again on the next call)',
    );
    stack.model.setReply(oneToolThenReport('demo__add', { a: 1, b: 1 }));
    expect((await stack.send(key, 'and 1 + 1?')).text).toContain('\n2\n');
    const after = calls().slice(before);
    expect(after.map((c) => c.tool)).toEqual(['slow', 'add']);
    expect(after[1]!.pid).not.toBe(pid);
  });

  it('asks the user before calling a tool marked ask, and calls it only once allowed', async () => {
    const ask = async (key: string, answer: string[]): Promise<string> => {
      stack.model.setReply(oneToolThenReport('guarded__add', { a: 5, b: 5 }));
      const send = spawnCli(['send', key, 'add with the guarded server'], stack.env);
      await send.waitFor(/npx clawflow approve \S+ \S+\n/, 30_000);
      expect(send.output()).toContain('The agent asks to run (guarded__add): guarded__add {"a":5,"b":5}');
      const requestId = /npx clawflow approve \S+ (\S+)\n/.exec(send.output())![1]!;
      expect((await runCli(['approve', key, requestId, ...answer], stack.env)).code).toBe(0);
      expect(await send.exited, send.output()).toBe(0);
      return send.output();
    };
    const before = calls().length;
    expect(await ask('main:test:mcp-deny', ['--deny'])).toContain('tool said: Error: the user did not allow running: guarded__add {"a":5,"b":5}');
    expect(calls().length).toBe(before);
    expect(await ask('main:test:mcp-allow', [])).toContain('\n10\n');
    expect(
      calls()
        .slice(before)
        .map((c) => c.tool),
    ).toEqual(['add']);
  });

  it('`clawflow mcp list` shows each server, whether it runs, and its tools; `clawflow doctor` checks each', async () => {
    const listed = await runCli(['mcp', 'list'], stack.env);
    expect(listed.code, listed.output).toBe(0);
    expect(listed.output).toMatch(/^demo +connected +6 +\S+node\S* \S+mcp-test-server\.mjs$/m);
    expect(listed.output).toContain('  guarded__add (asks first)  Adds two numbers.');

    const doctor = await runCli(['doctor', '--json'], stack.env);
    const findings = JSON.parse(doctor.output.slice(doctor.output.indexOf('['))) as Array<{ check: string; verdict: string; detail: string }>;
    expect(findings.filter((f) => f.check.startsWith('mcp '))).toEqual([
      { check: 'mcp demo', verdict: 'ok', detail: expect.stringMatching(/^6 tools \(/) },
      { check: 'mcp guarded', verdict: 'ok', detail: expect.stringMatching(/^6 tools \(/) },
    ]);
  });

  it("starts a stdio server outside the workspace: a module the agent wrote there never becomes the server's code", async () => {
    // What a page could have talked the agent into: a module named like the one a configured server runs.
    const planted = join(stack.home, 'workspace', 'notes_mcp.py');
    const ran = join(stack.home, 'planted-module-ran');
    writeFileSync(planted, `open(${JSON.stringify(ran)}, "w").write("ran")\n`);
    // A server that runs a Python module by name, from the folder it starts in (added to the configuration here).
    const configFile = join(stack.home, 'clawflow.json');
    const config = JSON.parse(readFileSync(configFile, 'utf8')) as { tools: { mcp: { servers: Record<string, unknown> } } };
    config.tools.mcp.servers.notes = { command: 'python3', args: ['-m', 'notes_mcp'] };
    writeFileSync(configFile, JSON.stringify(config));
    const listed = await runCli(['mcp', 'list', '--json'], stack.env);
    const notes = (JSON.parse(listed.output) as { servers: Array<{ name: string; state: string; detail?: string }> }).servers.find((s) => s.name === 'notes')!;
    expect(notes.state).toBe('failed');
    expect(notes.detail).toMatch(/No module named notes_mcp/);
    expect(existsSync(ran)).toBe(false);
    expect(existsSync(join(stack.home, 'mcp', 'notes'))).toBe(true);
  });
});
