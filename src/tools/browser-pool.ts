import { existsSync } from 'node:fs';
import type { Browser, BrowserContext, Page } from 'playwright-core';

const knownChromiums = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome', '/Applications/Google Chrome.app/Contents/MacOS/Google Chrome'];

/** The Chromium to drive: the configured one, or the first installed of the usual places. */
export function findChromium(configured: string | undefined): string | undefined {
  if (configured) return configured;
  return knownChromiums.find((path) => existsSync(path));
}

interface SessionPage {
  context: BrowserContext;
  page: Page;
  lastUsed: number;
}

/** One headless Chromium per tools worker, one page per session; idle pages close, and the browser with the last. */
export class BrowserPool {
  private browser: Promise<Browser> | null = null;
  private readonly pages = new Map<string, SessionPage>();
  private readonly sweeper: NodeJS.Timeout;

  constructor(
    private readonly executablePath: string | undefined,
    private readonly idleMs: number,
  ) {
    this.sweeper = setInterval(() => void this.closeIdle(), Math.min(idleMs, 30_000));
    this.sweeper.unref();
  }

  async page(sessionKey: string): Promise<Page> {
    const existing = this.pages.get(sessionKey);
    if (existing && !existing.page.isClosed()) {
      existing.lastUsed = Date.now();
      return existing.page;
    }
    const browser = await this.launch();
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    this.pages.set(sessionKey, { context, page, lastUsed: Date.now() });
    return page;
  }

  async closePage(sessionKey: string): Promise<boolean> {
    const entry = this.pages.get(sessionKey);
    if (!entry) return false;
    this.pages.delete(sessionKey);
    await entry.context.close().catch(() => undefined);
    if (this.pages.size === 0) await this.closeBrowser();
    return true;
  }

  async close(): Promise<void> {
    clearInterval(this.sweeper);
    for (const key of [...this.pages.keys()]) await this.closePage(key);
    await this.closeBrowser();
  }

  private launch(): Promise<Browser> {
    if (!this.executablePath) {
      return Promise.reject(new Error('no Chromium found: install it (Debian: apt-get install chromium) or set tools.browser.executablePath'));
    }
    this.browser ??= import('playwright-core').then(({ chromium }) =>
      chromium.launch({
        executablePath: this.executablePath,
        headless: true,
        // Root cannot use Chromium's sandbox; containers and CI often run as root.
        args: ['--disable-gpu', '--disable-background-networking', ...(process.getuid?.() === 0 ? ['--no-sandbox'] : [])],
      }),
    );
    this.browser.catch(() => (this.browser = null));
    return this.browser;
  }

  private async closeBrowser(): Promise<void> {
    const browser = this.browser;
    this.browser = null;
    if (browser) await (await browser.catch(() => null))?.close().catch(() => undefined);
  }

  private async closeIdle(): Promise<void> {
    const now = Date.now();
    for (const [key, entry] of [...this.pages]) if (now - entry.lastUsed > this.idleMs) await this.closePage(key);
  }
}
