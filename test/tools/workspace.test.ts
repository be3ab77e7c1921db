import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { memorySearchTool } from '../../src/tools/memory-search.js';
import { buildSystemPrompt, dailyNotePath, ensureWorkspace } from '../../src/workspace/workspace.js';
import { toolContext } from '../helpers/tool-context.js';

describe('the workspace', () => {
  const dirs: string[] = [];
  afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));
  const fresh = (): string => {
    const dir = mkdtempSync(join(tmpdir(), 'clawflow-ws-'));
    dirs.push(dir);
    return dir;
  };
  const day = new Date(2026, 10, 25, 12);

  it("starts with OpenClaw's files, and never overwrites the user's own", () => {
    const dir = fresh();
    writeFileSync(join(dir, 'SOUL.md'), 'my own soul');
    ensureWorkspace(dir, day);
    expect(readdirSync(dir).sort()).toEqual(['AGENTS.md', 'HEARTBEAT.md', 'MEMORY.md', 'SOUL.md', 'USER.md', 'memory']);
    expect(readdirSync(join(dir, 'memory'))).toEqual(['2026-11-25.md']);
    expect(readFileSync(join(dir, 'SOUL.md'), 'utf8')).toBe('my own soul');
  });

  it('builds the system prompt from the files and the last two daily notes, within its budget, saying what was cut', async () => {
    const dir = fresh();
    ensureWorkspace(dir, day);
    writeFileSync(join(dir, 'MEMORY.md'), `- the user's cat is called Miso\n${'filler line\n'.repeat(5000)}`);
    writeFileSync(join(dir, dailyNotePath(new Date(2026, 10, 24))), '# 2026-11-24\n- booked the dentist');
    const prompt = await buildSystemPrompt(dir, 8000, day);
    expect(prompt.length).toBeLessThanOrEqual(8000);
    expect(prompt).toContain('## AGENTS.md');
    expect(prompt).toContain("the user's cat is called Miso");
    expect(prompt).toMatch(/\[… \d+ more characters of MEMORY\.md not shown; read the file for the rest\]/);
    expect(prompt).toContain('booked the dentist');
    expect(prompt).not.toContain('HEARTBEAT');
  });

  it('memory_search finds notes by their words, best match first', async () => {
    const context = toolContext();
    try {
      ensureWorkspace(context.workspace, day);
      writeFileSync(join(context.workspace, 'memory', '2026-11-20.md'), '- dentist appointment moved to Friday\n- bought a dentist gift card');
      writeFileSync(join(context.workspace, 'MEMORY.md'), '- dentist: Dr. Ruiz, Fridays only');
      const found = await memorySearchTool.run({ query: 'dentist appointment' }, context);
      expect(String(found).split('\n')).toEqual([
        'memory/2026-11-20.md:1: - dentist appointment moved to Friday',
        'MEMORY.md:1: - dentist: Dr. Ruiz, Fridays only',
        'memory/2026-11-20.md:2: - bought a dentist gift card',
      ]);
      expect(await memorySearchTool.run({ query: 'giraffe' }, context)).toBe('no notes mention "giraffe"');
    } finally {
      await context.cleanup();
    }
  });
});
