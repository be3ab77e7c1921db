import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { editTool } from '../../src/tools/edit.js';
import { readTool } from '../../src/tools/read.js';
import { ToolError } from '../../src/tools/tool.js';
import { writeTool } from '../../src/tools/write.js';
import { toolContext, toolContexts } from '../helpers/tool-context.js';

describe('file tools, confined to the workspace', () => {
  const contexts = toolContexts();
  let context: ReturnType<typeof toolContext>;
  afterEach(() => contexts.cleanup());

  const refused = async (promise: Promise<unknown>, pattern: RegExp): Promise<void> => {
    const error = await promise.then(() => null, (e: unknown) => e);
    expect(error).toBeInstanceOf(ToolError);
    expect((error as Error).message).toMatch(pattern);
  };

  it('write creates parent directories; read returns the text, in pieces when asked', async () => {
    context = contexts.make();
    expect(await writeTool.run({ path: 'notes/a.md', content: 'one\ntwo\nthree' }, context)).toBe('wrote 13 bytes to notes/a.md');
    expect(await readTool.run({ path: 'notes/a.md' }, context)).toBe('one\ntwo\nthree');
    expect(await readTool.run({ path: 'notes/a.md', offset: 2, limit: 1 }, context)).toBe('two\n[lines 2-2 of 3; use offset to read more]');
    await refused(readTool.run({ path: 'missing.md' }, context), /missing.md does not exist/);
  });

  it('refuses .., absolute paths elsewhere and symbolic links that lead out', async () => {
    context = contexts.make();
    const outside = join(context.workspace, '..', 'outside');
    mkdirSync(outside);
    writeFileSync(join(outside, 'secret.txt'), 'secret');
    symlinkSync(outside, join(context.workspace, 'escape'));
    symlinkSync(join(outside, 'not-yet.txt'), join(context.workspace, 'dangling'));

    await refused(readTool.run({ path: '../outside/secret.txt' }, context), /outside the workspace/);
    await refused(readTool.run({ path: '/etc/passwd' }, context), /outside the workspace/);
    await refused(readTool.run({ path: 'escape/secret.txt' }, context), /symbolic link/);
    await refused(writeTool.run({ path: 'escape/new.txt', content: 'x' }, context), /symbolic link/);
    await refused(writeTool.run({ path: 'dangling', content: 'x' }, context), /symbolic link to outside/);
    expect(readdirSync(outside)).toEqual(['secret.txt']);

    // A link that stays inside is fine.
    writeFileSync(join(context.workspace, 'real.md'), 'inside');
    symlinkSync(join(context.workspace, 'real.md'), join(context.workspace, 'alias.md'));
    expect(await readTool.run({ path: 'alias.md' }, context)).toBe('inside');
  });

  it('edit replaces exact unique matches, and reports none or several instead of guessing', async () => {
    context = contexts.make();
    writeFileSync(join(context.workspace, 'MEMORY.md'), '- likes tea\n- likes tea\n- lives in Lyon\n');
    await refused(editTool.run({ path: 'MEMORY.md', edits: [{ oldText: 'likes coffee', newText: 'x' }] }, context), /was not found.*nothing was changed/);
    await refused(editTool.run({ path: 'MEMORY.md', edits: [{ oldText: 'likes tea', newText: 'x' }] }, context), /occurs 2 times.*Nothing was changed/);
    expect(await editTool.run({ path: 'MEMORY.md', edits: [{ oldText: 'Lyon', newText: 'Paris' }, { oldText: '- likes tea\n- likes tea', newText: '- likes tea' }] }, context)).toBe(
      'applied 2 edits to MEMORY.md',
    );
    expect(readFileSync(join(context.workspace, 'MEMORY.md'), 'utf8')).toBe('- likes tea\n- lives in Paris\n');
  });

  it('a write killed halfway leaves the old file or the new one, never a mix', async () => {
    context = contexts.make();
    const file = join(context.workspace, 'big.txt');
    const old = 'o'.repeat(4_000_000);
    writeFileSync(file, old);
    const writer = fileURLToPath(new URL('../helpers/atomic-writer.ts', import.meta.url));
    for (let attempt = 0; attempt < 5; attempt++) {
      const child = spawn(process.execPath, ['--import', 'tsx', writer, file], { stdio: ['ignore', 'pipe', 'inherit'] });
      // Kill it once it has started writing.
      await new Promise<void>((resolve) => child.stdout.once('data', () => resolve()));
      await new Promise((resolve) => setTimeout(resolve, attempt * 7));
      child.kill('SIGKILL');
      await new Promise((resolve) => child.once('exit', resolve));
      const content = readFileSync(file, 'utf8');
      expect(content === old || content === 'n'.repeat(4_000_000)).toBe(true);
    }
  });
});
