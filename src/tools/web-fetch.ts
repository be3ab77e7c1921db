import { z } from 'zod';
import { pinnedGet } from './pinned-get.js';
import { readablePage } from './readable-page.js';
import { defineTool, ToolError } from './tool.js';
import { oneLine, untrusted } from '../contracts/untrusted.js';
import { userAgent } from './user-agent.js';

/** The charset a Content-Type names, if TextDecoder knows it; UTF-8 otherwise. */
function decode(body: Buffer, contentType: string): string {
  const charset = /charset=["']?([\w-]+)/i.exec(contentType)?.[1];
  try {
    return new TextDecoder(charset ?? 'utf-8').decode(body);
  } catch {
    return new TextDecoder('utf-8').decode(body);
  }
}

const isHtml = (type: string): boolean => /^(text\/html|application\/xhtml\+xml)\b/i.test(type);
const isText = (type: string): boolean =>
  /^(text\/|application\/(json|xml|javascript|ld\+json|rss\+xml|atom\+xml)|[^;]*\+(json|xml)\b)/i.test(type) || type === '';

/** OpenClaw's `web_fetch`: a page's readable text, without a browser. */
export const webFetchTool = defineTool({
  name: 'web_fetch',
  description:
    'Fetch a public web page (http(s) GET) as readable text: the article as markdown, without navigation; JSON and text as they are. For pages needing scripts, logins or clicks, use browser.',
  input: z
    .object({
      url: z.string().min(1).describe('the http(s) URL to fetch'),
      extractMode: z.enum(['markdown', 'text']).default('markdown').describe('markdown (keeps headings and links) or plain text'),
      maxChars: z.number().int().min(100).max(100_000).default(30_000).describe('the most characters of text to return'),
    })
    .strict(),
  async run({ url, extractMode, maxChars }, { net, signal, config }) {
    const response = await pinnedGet(url, {
      policy: net,
      signal,
      timeoutMs: config.web.fetchTimeoutSeconds * 1000,
      maxBytes: config.web.fetchMaxBytes,
      maxRedirects: 5,
      userAgent,
      accept: 'text/html,application/xhtml+xml,text/plain;q=0.9,application/json;q=0.8,*/*;q=0.5',
    });
    const type = response.contentType.split(';')[0]!.trim().toLowerCase();
    if (!isHtml(type) && !isText(type)) {
      throw new ToolError(
        `${response.url} is ${type} (${response.body.length.toLocaleString('en')} bytes), not text: download it with the browser or exec to work with it`,
      );
    }
    const raw = decode(response.body, response.contentType);
    const page = isHtml(type) ? await readablePage(raw, response.url, extractMode) : { title: '', text: raw };
    const cut = page.text.length > maxChars;
    const text = cut
      ? `${page.text.slice(0, maxChars)}\n\n[… cut at ${maxChars.toLocaleString('en')} of ${page.text.length.toLocaleString('en')} characters; ask for more with a larger maxChars]`
      : page.text;
    const header = [
      `URL: ${response.url}`,
      `Status: ${response.status}`,
      ...(response.truncated ? [`(the response was cut at ${response.body.length.toLocaleString('en')} bytes, tools.web.fetchMaxBytes)`] : []),
    ].join('\n');
    // The title is the page's words like the rest: inside the markers, on one line.
    const title = page.title ? `Title: ${oneLine(page.title)}\n\n` : '';
    return `${header}\n\n${untrusted(response.url, `${title}${text || '(the page has no readable text)'}`)}`;
  },
});
