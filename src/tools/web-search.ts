import { z } from 'zod';
import { searchWeb } from './search-providers.js';
import { defineTool } from './tool.js';
import { untrusted } from '../contracts/untrusted.js';

/** OpenClaw's `web_search`: results as title, URL and snippet, from the configured provider. */
export const webSearchTool = defineTool({
  name: 'web_search',
  description: 'Search the web. Returns results as title, URL and snippet; open one with web_fetch (or the browser) to read it.',
  input: z
    .object({
      query: z.string().trim().min(1, 'query must not be empty').max(400).describe('what to search for'),
      count: z.number().int().min(1).max(10).default(5).describe('how many results (1-10)'),
    })
    .strict(),
  async run({ query, count }, { config, signal }) {
    const results = await searchWeb(config.web, { query, count, signal });
    if (results.length === 0) return `No results for "${query}".`;
    const lines = results.map((r, i) => `${i + 1}. ${r.title}\n   ${r.url}${r.snippet ? `\n   ${r.snippet}` : ''}`);
    return untrusted(`web search (${config.web.searchProvider}) for "${query}"`, lines.join('\n'));
  },
});
