import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { execTool } from '../../src/tools/exec.js';
import { ApprovalRequired, ToolError } from '../../src/tools/tool.js';
import { isAlive } from '../helpers/processes.js';
import { toolContext, toolContexts } from '../helpers/tool-context.js';

describe('exec', () => {
  const contexts = toolContexts();
  let context: ReturnType<typeof toolContext>;
  afterEach(() => contexts.cleanup());

  it('runs a real command in the workspace and returns its exit code and output', async () => {
    context = contexts.make({ exec: { policy: 'allowlist', allowlist: ['.*'] } });
    expect(await execTool.run({ command: 'pwd; echo oops >&2; exit 3' }, context)).toBe(`exit code 3\n${context.workspace}\noops\n`);
  });

  it('keeps ClawFlow\'s own settings and secrets out of the command\'s environment', async () => {
    context = contexts.make({ exec: { policy: 'allowlist', allowlist: ['.*'] } });
    process.env.CLAWFLOW_MODEL_API_KEY = 'sk-must-not-leak';
    try {
      const output = await execTool.run({ command: 'env', env: { EXTRA: 'given' } }, context);
      expect(output).not.toContain('sk-must-not-leak');
      expect(output).not.toMatch(/^CLAWFLOW_/m);
      expect(output).toMatch(/^EXTRA=given$/m);
    } finally {
      delete process.env.CLAWFLOW_MODEL_API_KEY;
    }
  });

  it('stops a command at its timeout, with everything it started', async () => {
    context = contexts.make({ exec: { policy: 'allowlist', allowlist: ['.*'] } });
    const started = Date.now();
    const error = await execTool.run({ command: 'sleep 30 & echo $! > child.pid; echo started; sleep 30', timeoutSeconds: 1 }, context).then(() => null, (e: unknown) => e);
    expect(error).toBeInstanceOf(ToolError);
    expect((error as Error).message).toMatch(/^timed out after 1 s; the command and everything it started were stopped\. Output so far:\nstarted/);
    expect(Date.now() - started).toBeLessThan(10_000);
    const child = Number(readFileSync(join(context.workspace, 'child.pid'), 'utf8'));
    await expect.poll(() => isAlive(child), { timeout: 5000 }).toBe(false);
  });

  it('caps long output, keeping its head and its tail', async () => {
    context = contexts.make({ exec: { policy: 'allowlist', allowlist: ['.*'], outputCapBytes: 1000 } });
    const output = await execTool.run({ command: 'echo FIRST; head -c 100000 /dev/zero | tr "\\0" x; echo; echo LAST' }, context);
    expect(output).toMatch(/^exit code 0\nFIRST\nx+\n\[… \d+ bytes of output cut; the first and last 500 bytes are shown …\]\nx+\nLAST\n$/);
    expect(String(output).length).toBeLessThan(1200);
  });

  it('follows the policy: deny, allowlist, ask', async () => {
    context = contexts.make({ exec: { policy: 'deny' } });
    await expect(execTool.run({ command: 'ls' }, context)).rejects.toThrow(/switched off/);

    context = contexts.make({ exec: { policy: 'allowlist', allowlist: ['ls( -la)?', 'git status'] } });
    expect(await execTool.run({ command: 'ls -la' }, context)).toMatch(/^exit code 0/);
    await expect(execTool.run({ command: 'ls; rm -rf /' }, context)).rejects.toThrow(/matches no pattern of tools.exec.allowlist/);

    context = contexts.make({ exec: { policy: 'ask', allowlist: ['date'] } });
    expect(await execTool.run({ command: 'date' }, context)).toMatch(/^exit code 0/);
    await expect(execTool.run({ command: 'touch made-it' }, context)).rejects.toBeInstanceOf(ApprovalRequired);
    expect(await execTool.run({ command: 'touch made-it' }, { ...context, approved: true })).toBe('exit code 0\n');
  });
});
