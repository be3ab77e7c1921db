import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseSessionKey, sessionWorkflowId } from '../../src/contracts/session-key.js';
import type { ModelRequest, ScriptedAnswer } from '../helpers/fake-model.js';
import { namespaceForFile } from '../helpers/namespace.js';
import { TestStack } from '../helpers/test-stack.js';

describe('nothing a session carries outgrows Temporal', () => {
  let stack: TestStack;

  beforeAll(async () => {
    stack = await TestStack.start({
      namespace: namespaceForFile(import.meta.url),
      config: { agent: { maxToolSteps: 25 }, tools: { exec: { policy: 'full', outputCapBytes: 10_000_000 } } },
    });
    await stack.startWorker();
  });
  afterAll(() => stack?.stop());

  it('reads a 5 MB file and runs 20 tool rounds in one turn, and the session keeps answering', async () => {
    const lines = Array.from({ length: 120_000 }, (_, i) => `${String(i + 1).padStart(6, '0')} ${'lorem ipsum '.repeat(3)}`);
    writeFileSync(join(stack.config.paths.workspaceDir, 'big.log'), lines.join('\n'));
    // Twenty rounds: the whole file through exec (10 MB of output allowed), and pieces of it through read.
    stack.model.setReply((request: ModelRequest): ScriptedAnswer => {
      const rounds = request.messages.filter((m) => m.role === 'tool').length;
      if (rounds >= 20) return `done after ${rounds} rounds`;
      return rounds % 2 === 0
        ? { toolCalls: [{ name: 'exec', arguments: { command: 'cat big.log' } }] }
        : { toolCalls: [{ name: 'read', arguments: { path: 'big.log', offset: rounds * 1000 } }] };
    });
    const reply = await stack.send('main:test:large', 'go through the log', { fromOwner: true, fromAgentOwner: true });
    expect(reply.text).toBe('done after 20 rounds');

    // The model saw heads, tails and references, never megabytes.
    const last = stack.model.requests.at(-1)!;
    const toolResults = last.messages.filter((m) => m.role === 'tool').map((m) => String(m.content));
    expect(Math.max(...toolResults.map((r) => r.length))).toBeLessThan(9_000);
    expect(toolResults[0]).toMatch(/in the workspace as media\/tool-results\/exec-[0-9a-f]{24}\.txt/);

    const history = await stack.client.workflow.getHandle(sessionWorkflowId(parseSessionKey('main:test:large'))).fetchHistory();
    const sizes = (history.events ?? []).map((e) => JSON.stringify(e).length);
    expect(Math.max(...sizes)).toBeLessThan(512 * 1024);
    expect(sizes.reduce((a, b) => a + b, 0)).toBeLessThan(8 * 1024 * 1024);

    stack.model.setReply(() => 'still answering');
    expect((await stack.send('main:test:large', 'and now?')).text).toBe('still answering');
  });
});
