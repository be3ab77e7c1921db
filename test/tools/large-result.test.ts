import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { byReference, inlineResultChars } from '../../src/tools/large-result.js';

describe('tool results by reference', () => {
  const workspace = mkdtempSync(join(tmpdir(), 'clawflow-results-'));
  afterAll(() => rmSync(workspace, { recursive: true, force: true }));
  const where = { workspace, sessionKey: 'main:test:big', callId: 'call_1', tool: 'exec' };

  it('passes a short result as it is', async () => {
    expect(await byReference('short', where)).toBe('short');
  });

  it('saves a long result whole in the workspace and gives the model its head, its tail and the path', async () => {
    const output = `HEAD${'m'.repeat(5_000_000)}TAIL`;
    const inline = await byReference(output, where);
    expect(inline.length).toBeLessThan(inlineResultChars);
    expect(inline.startsWith('HEAD')).toBe(true);
    expect(inline.endsWith('TAIL')).toBe(true);
    const path = /in the workspace as (media\/tool-results\/exec-[0-9a-f]{24}\.txt)/.exec(inline)![1]!;
    expect(readFileSync(join(workspace, path), 'utf8')).toBe(output);
    // The same call (a retried activity) writes the same file.
    expect(await byReference(output, where)).toBe(inline);
  });
});
