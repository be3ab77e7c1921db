import { FetchFailed, fetchWithin } from '../http/deadline.js';
import { z } from 'zod';
import type { ClawflowConfig } from '../config/load.js';
import { ToolError } from './tool.js';

export interface SearchResult {
  title: string;
  url: string;
  snippet: string;
}

export interface SearchRequest {
  query: string;
  count: number;
  signal: AbortSignal;
}

type WebConfig = ClawflowConfig['tools']['web'];

const braveAnswer = z
  .object({
    web: z
      .object({ results: z.array(z.object({ title: z.string(), url: z.string(), description: z.string().optional() }).loose()) })
      .loose()
      .optional(),
  })
  .loose();
const tavilyAnswer = z.object({ results: z.array(z.object({ title: z.string(), url: z.string(), content: z.string().optional() }).loose()) }).loose();
const searxngAnswer = z.object({ results: z.array(z.object({ title: z.string(), url: z.string(), content: z.string().optional() }).loose()) }).loose();

/** Snippets come with highlight markup (Brave's <strong>): the model reads text. */
const plain = (text: string | undefined): string =>
  (text ?? '')
    .replace(/<[^>]+>/g, '')
    .replace(/\s+/g, ' ')
    .trim();

async function call(provider: string, url: string, init: RequestInit, signal: AbortSignal): Promise<unknown> {
  try {
    return await fetchWithin(url, init, 20_000, signal, async (response) => {
      if (!response.ok) {
        const body = (await response.text().catch(() => '')).slice(0, 300);
        const hint =
          response.status === 401 || response.status === 403
            ? ' (check tools.web.searchApiKey, CLAWFLOW_WEB_SEARCH_API_KEY)'
            : response.status === 429
              ? ' (rate limited: try again later)'
              : '';
        throw new ToolError(`${provider} search answered HTTP ${response.status}${hint}: ${body}`);
      }
      try {
        return (await response.json()) as unknown;
      } catch {
        throw new ToolError(`${provider} search answered something that is not JSON`);
      }
    });
  } catch (error) {
    if (!(error instanceof FetchFailed)) throw error;
    throw new ToolError(`${provider} search is unreachable: ${error.detail}`);
  }
}

function parsed<T>(provider: string, schema: z.ZodType<T>, body: unknown): T {
  const result = schema.safeParse(body);
  if (!result.success) throw new ToolError(`${provider} search answered in a shape ClawFlow does not know: ${result.error.issues[0]?.message ?? ''}`);
  return result.data;
}

/** One search, through the configured provider: the Brave Search API, Tavily or a SearXNG instance. */
export async function searchWeb(web: WebConfig, { query, count, signal }: SearchRequest): Promise<SearchResult[]> {
  switch (web.searchProvider) {
    case undefined:
      throw new ToolError(
        'web_search is not set up: set tools.web.searchProvider to brave (with a Brave Search API key), tavily (with a Tavily key) or searxng (with searchUrl, your instance), e.g. CLAWFLOW_WEB_SEARCH_PROVIDER=brave CLAWFLOW_WEB_SEARCH_API_KEY=…; meanwhile web_fetch or the browser can open a search page',
      );
    case 'brave': {
      const url = new URL(web.searchUrl ?? 'https://api.search.brave.com/res/v1/web/search');
      url.searchParams.set('q', query);
      url.searchParams.set('count', String(count));
      const body = parsed(
        'Brave',
        braveAnswer,
        await call('Brave', url.href, { headers: { accept: 'application/json', 'x-subscription-token': web.searchApiKey ?? '' } }, signal),
      );
      return (body.web?.results ?? []).map((r) => ({ title: plain(r.title), url: r.url, snippet: plain(r.description) }));
    }
    case 'tavily': {
      const body = parsed(
        'Tavily',
        tavilyAnswer,
        await call(
          'Tavily',
          web.searchUrl ?? 'https://api.tavily.com/search',
          {
            method: 'POST',
            headers: { 'content-type': 'application/json', authorization: `Bearer ${web.searchApiKey ?? ''}` },
            body: JSON.stringify({ query, max_results: count }),
          },
          signal,
        ),
      );
      return body.results.map((r) => ({ title: plain(r.title), url: r.url, snippet: plain(r.content) }));
    }
    case 'searxng': {
      const url = new URL('search', web.searchUrl!.endsWith('/') ? web.searchUrl! : `${web.searchUrl!}/`);
      url.searchParams.set('q', query);
      url.searchParams.set('format', 'json');
      const body = parsed('SearXNG', searxngAnswer, await call('SearXNG', url.href, { headers: { accept: 'application/json' } }, signal));
      return body.results.slice(0, count).map((r) => ({ title: plain(r.title), url: r.url, snippet: plain(r.content) }));
    }
  }
}
