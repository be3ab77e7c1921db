import { Readability } from '@mozilla/readability';
import { parseHTML } from 'linkedom';
import TurndownService from 'turndown';

const turndown = new TurndownService({ headingStyle: 'atx', codeBlockStyle: 'fenced', bulletListMarker: '-' });
// What a page shows, not how it works: scripts, styles and forms say nothing a reader sees.
turndown.remove(['script', 'style', 'noscript', 'iframe', 'form', 'button', 'input', 'select', 'textarea']);

export interface ReadablePage {
  title: string;
  /** The page's main text as markdown (links and headings kept), or plain text. */
  text: string;
}

/**
 * An HTML page as a reader sees it: the article Mozilla's Readability finds (the engine of Firefox's reader view), or
 * the whole body when it finds none, turned into markdown (or plain text).
 */
export function readablePage(html: string, url: string, mode: 'markdown' | 'text'): ReadablePage {
  const { document } = parseHTML(html);
  const pageTitle = document.querySelector('title')?.textContent?.trim() ?? '';
  // Readability resolves links against the document's base.
  if (!document.querySelector('base')) {
    const base = document.createElement('base');
    base.setAttribute('href', url);
    document.head?.appendChild(base);
  }
  let article: { title?: string | null; content?: string | null; textContent?: string | null } | null = null;
  try {
    article = new Readability(document as unknown as ConstructorParameters<typeof Readability>[0], { charThreshold: 200 }).parse();
  } catch {
    article = null;
  }
  const title = (article?.title ?? pageTitle).trim();
  if (mode === 'text') {
    const text = article?.textContent ?? document.body?.textContent ?? '';
    return { title, text: text.replace(/[ \t]+\n/g, '\n').replace(/\n{3,}/g, '\n\n').trim() };
  }
  const content = article?.content ?? document.body?.innerHTML ?? '';
  return { title, text: turndown.turndown(content).replace(/\n{3,}/g, '\n\n').trim() };
}
