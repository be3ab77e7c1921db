import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { webSearchTool } from '../../src/tools/web-search.js';
import { toolContexts } from '../helpers/tool-context.js';

/** Local fakes of the three providers' wire formats, each checking its key the way the real one does. */
async function body(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req as AsyncIterable<Buffer>) chunks.push(chunk);
  return Buffer.concat(chunks).toString('utf8');
}

describe('web_search through Brave, Tavily and SearXNG (local fakes of their APIs)', () => {
  const contexts = toolContexts();
  const seen: Array<{ provider: string; query: string; count: string }> = [];
  let server: Server;
  let base: string;

  beforeAll(async () => {
    server = createServer((req, res) => {
      void (async () => {
        const url = new URL(req.url ?? '/', 'http://fake');
        const json = (status: number, value: unknown) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(value));
        if (url.pathname === '/res/v1/web/search') {
          if (req.headers['x-subscription-token'] !== 'brave-key') return json(401, { type: 'ErrorResponse', error: { code: 'SUBSCRIPTION_TOKEN_INVALID' } });
          seen.push({ provider: 'brave', query: url.searchParams.get('q')!, count: url.searchParams.get('count')! });
          return json(200, {
            type: 'search',
            query: { original: url.searchParams.get('q') },
            web: {
              type: 'search',
              results: [
                {
                  title: 'Tram 28 - <strong>Lisbon</strong>',
                  url: 'https://example.org/tram-28',
                  description: 'The <strong>oldest</strong> tram line.',
                  language: 'en',
                },
              ],
            },
          });
        }
        if (url.pathname === '/search' && req.method === 'POST') {
          if (req.headers.authorization !== 'Bearer tvly-key') return json(401, { detail: { error: 'Unauthorized: missing or invalid API key.' } });
          const asked = JSON.parse(await body(req)) as { query: string; max_results: number };
          seen.push({ provider: 'tavily', query: asked.query, count: String(asked.max_results) });
          return json(200, {
            query: asked.query,
            answer: null,
            results: [{ title: 'Fares in Lisbon', url: 'https://example.org/fares', content: 'A single ride costs 3.10 euros.', score: 0.9 }],
            response_time: 0.5,
          });
        }
        if (url.pathname === '/searx/search' && url.searchParams.get('format') === 'json') {
          seen.push({ provider: 'searxng', query: url.searchParams.get('q')!, count: '' });
          return json(200, {
            query: url.searchParams.get('q'),
            results: Array.from({ length: 12 }, (_, i) => ({
              title: `Result ${i + 1}`,
              url: `https://example.org/${i + 1}`,
              content: `Snippet ${i + 1}`,
              engine: 'duckduckgo',
            })),
          });
        }
        json(404, { error: 'not found' });
      })();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await contexts.cleanup();
    await new Promise((resolve) => server.close(resolve));
  });

  const search = (web: Record<string, unknown>, input: Record<string, unknown>) =>
    webSearchTool.run(webSearchTool.input.parse(input), contexts.make({ web })) as Promise<string>;

  it('asks Brave with its subscription token and gives title, URL and snippet as text', async () => {
    const text = await search(
      { searchProvider: 'brave', searchApiKey: 'brave-key', searchUrl: `${base}/res/v1/web/search` },
      { query: 'lisbon tram', count: 3 },
    );
    expect(seen.at(-1)).toEqual({ provider: 'brave', query: 'lisbon tram', count: '3' });
    expect(text).toContain('<<<UNTRUSTED WEB CONTENT from web search (brave) for "lisbon tram">>>');
    expect(text).toContain('1. Tram 28 - Lisbon\n   https://example.org/tram-28\n   The oldest tram line.');
  });

  it('asks Tavily with its bearer key, and SearXNG without one (at most count results)', async () => {
    const tavily = await search({ searchProvider: 'tavily', searchApiKey: 'tvly-key', searchUrl: `${base}/search` }, { query: 'lisbon fares' });
    expect(seen.at(-1)).toEqual({ provider: 'tavily', query: 'lisbon fares', count: '5' });
    expect(tavily).toContain('1. Fares in Lisbon\n   https://example.org/fares\n   A single ride costs 3.10 euros.');
    const searx = await search({ searchProvider: 'searxng', searchUrl: `${base}/searx` }, { query: 'anything', count: 4 });
    expect(searx).toContain('4. Result 4');
    expect(searx).not.toContain('5. Result 5');
  });

  it('says what is wrong: no provider set, a wrong key, an unreachable provider', async () => {
    await expect(search({}, { query: 'x' })).rejects.toThrow(/web_search is not set up: set tools\.web\.searchProvider to brave/);
    await expect(search({ searchProvider: 'brave', searchApiKey: 'wrong', searchUrl: `${base}/res/v1/web/search` }, { query: 'x' })).rejects.toThrow(
      /Brave search answered HTTP 401 \(check tools\.web\.searchApiKey, CLAWFLOW_WEB_SEARCH_API_KEY\)/,
    );
    await expect(search({ searchProvider: 'searxng', searchUrl: 'http://127.0.0.1:9/' }, { query: 'x' })).rejects.toThrow(/SearXNG search is unreachable/);
  });
});
