import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { expect, onTestFailed } from 'vitest';
import { findChromium } from '../../src/tools/browser-pool.js';

/** Where a failed browser test leaves its screenshot (kept out of git; CI prints the path). */
export const screenshotsDir = resolve('test-results', 'screenshots');

/**
 * A page for the running test: if the test fails, the page as it was is saved as a PNG under test-results/screenshots
 * and the path printed with the failure. Leave the page open on failure (close it at the test's end).
 */
export async function pageForTest(owner: Browser | BrowserContext): Promise<Page> {
  const page = await owner.newPage();
  const name = (expect.getState().currentTestName ?? 'page').replace(/[^A-Za-z0-9]+/g, '-').slice(0, 120);
  onTestFailed(async () => {
    if (page.isClosed()) return;
    mkdirSync(screenshotsDir, { recursive: true });
    const path = join(screenshotsDir, `${name}.png`);
    await page.screenshot({ path, fullPage: true }).then(
      () => console.error(`screenshot of the page when the test failed: ${path}`),
      (error: Error) => console.error(`no screenshot of the failed page: ${error.message}`),
    );
  });
  return page;
}

/** The machine's Chromium, headless, with the flags a browser test runs it with here. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: findChromium(undefined),
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
}
