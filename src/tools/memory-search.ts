import { readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { z } from 'zod';
import { defineTool } from './tool.js';

async function noteFiles(workspace: string): Promise<string[]> {
  const notes = await readdir(join(workspace, 'memory'), { recursive: true }).catch(() => [] as string[]);
  return ['MEMORY.md', 'USER.md', ...notes.filter((n) => n.endsWith('.md')).map((n) => join('memory', n))];
}

export const memorySearchTool = defineTool({
  name: 'memory_search',
  description: 'Search MEMORY.md, USER.md and the daily notes (memory/**/*.md) for lines containing the query words; best matches first.',
  input: z.object({ query: z.string().min(1), limit: z.number().int().min(1).max(100).optional() }).strict(),
  async run({ query, limit = 20 }, { workspace }) {
    const words = query.toLowerCase().split(/\s+/).filter(Boolean);
    const hits: Array<{ where: string; line: string; score: number }> = [];
    for (const name of await noteFiles(workspace)) {
      const text = await readFile(join(workspace, name), 'utf8').catch(() => null);
      if (text === null) continue;
      text.split('\n').forEach((line, index) => {
        const lower = line.toLowerCase();
        const score = words.filter((w) => lower.includes(w)).length;
        if (score > 0) hits.push({ where: `${relative('.', name)}:${index + 1}`, line: line.trim(), score });
      });
    }
    if (hits.length === 0) return `no notes mention ${words.map((w) => `"${w}"`).join(' or ')}`;
    hits.sort((a, b) => b.score - a.score);
    return hits
      .slice(0, limit)
      .map((h) => `${h.where}: ${h.line}`)
      .join('\n');
  },
});
