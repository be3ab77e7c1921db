import type TurndownService from 'turndown';

/** The HTML libraries, loaded on the first page read (linkedom and turndown took a quarter second of every start). */
let libraries:
  | Promise<{ Readability: typeof import('@mozilla/readability').Readability; parseHTML: typeof import('linkedom').parseHTML; turndown: TurndownService }>
  | undefined;

function htmlLibraries(): NonNullable<typeof libraries> {
  libraries ??= Promise.all([import('@mozilla/readability'), import('linkedom'), import('turndown')]).then(
    ([{ Readability }, { parseHTML }, { default: Turndown }]) => {
      const turndown = new Turndown({ headingStyle: 'atx', codeBlockStyle: 'fenced', bulletListMarker: '-' });
      // What a page shows, not how it works: scripts, styles and forms say nothing a reader sees.
      turndown.remove(['script', 'style', 'noscript', 'iframe', 'form', 'button', 'input', 'select', 'textarea']);
      return { Readability, parseHTML, turndown };
    },
  );
  return libraries;
}

export interface ReadablePage {
  title: string;
  /** The page's main text as markdown (links and headings kept), or plain text. */
  text: string;
}

/**
 * An HTML page as a reader sees it: the article Mozilla's Readability finds (the engine of Firefox's reader view), or
 * the whole body when it finds none, turned into markdown (or plain text).
 */
export async function readablePage(html: string, url: string, mode: 'markdown' | 'text'): Promise<ReadablePage> {
  const { Readability, parseHTML, turndown } = await htmlLibraries();
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
    return {
      title,
      text: text
        .replace(/[ \t]+\n/g, '\n')
        .replace(/\n{3,}/g, '\n\n')
        .trim(),
    };
  }
  const content = article?.content ?? document.body?.innerHTML ?? '';
  return {
    title,
    text: turndown
      .turndown(content)
      .replace(/\n{3,}/g, '\n\n')
      .trim(),
  };
}
