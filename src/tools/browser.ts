import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { z } from 'zod';
import { writeFileAtomic } from '../fs/atomic-write.js';
import { findChromium } from './browser-pool.js';
import { defineTool, ToolError } from './tool.js';

const actionTimeoutMs = 10_000;
const maxTextChars = 20_000;

async function pageText(page: Page): Promise<string> {
  const title = await page.title();
  const text = (await page.locator('body').innerText({ timeout: actionTimeoutMs }).catch(() => '')).trim();
  const cut = text.length > maxTextChars ? `${text.slice(0, maxTextChars)}\n[… ${text.length - maxTextChars} more characters]` : text;
  return `${title ? `# ${title}\n` : ''}URL: ${page.url()}\n\n${cut}`;
}

export const browserTool = defineTool({
  name: 'browser',
  description:
    'Drive a headless browser (one page per conversation). Actions: open (url), snapshot (the page as text, or as an accessibility tree with mode "aria"), click (selector), type (selector, text), screenshot (saved in the workspace), close.',
  input: z
    .object({
      action: z.enum(['open', 'snapshot', 'click', 'type', 'screenshot', 'close']),
      url: z.string().url().optional(),
      selector: z.string().min(1).optional().describe('a CSS selector, or text=Some label'),
      text: z.string().optional(),
      mode: z.enum(['text', 'aria']).optional(),
      fullPage: z.boolean().optional(),
    })
    .strict(),
  enabled: (config) => config.browser.enabled && findChromium(config.browser.executablePath) !== undefined,
  async run(input, { browsers, sessionKey, workspace }) {
    if (input.action === 'close') return (await browsers.closePage(sessionKey)) ? 'closed the page' : 'no page was open';
    const page = await browsers.page(sessionKey).catch((error: Error) => {
      throw new ToolError(`the browser could not start: ${error.message}`);
    });
    const need = <K extends 'url' | 'selector'>(key: K): string => {
      const value = input[key];
      if (!value) throw new ToolError(`action "${input.action}" needs "${key}"`);
      return value;
    };
    try {
      switch (input.action) {
        case 'open':
          await page.goto(need('url'), { waitUntil: 'domcontentloaded', timeout: 30_000 });
          return pageText(page);
        case 'snapshot':
          return input.mode === 'aria' ? `URL: ${page.url()}\n\n${await page.locator('body').ariaSnapshot({ timeout: actionTimeoutMs })}` : pageText(page);
        case 'click':
          await page.click(need('selector'), { timeout: actionTimeoutMs });
          await page.waitForLoadState('domcontentloaded', { timeout: actionTimeoutMs }).catch(() => undefined);
          return pageText(page);
        case 'type':
          await page.fill(need('selector'), input.text ?? '', { timeout: actionTimeoutMs });
          return `typed into ${input.selector}`;
        case 'screenshot': {
          const png = await page.screenshot({ fullPage: input.fullPage ?? false, type: 'png', timeout: actionTimeoutMs });
          const path = join('media', 'screenshots', `${new Date().toISOString().replace(/[:.]/g, '-')}.png`);
          await writeFileAtomic(join(workspace, path), png);
          return { output: `screenshot of ${page.url()} saved to ${path} (${png.length} bytes, PNG)`, artifacts: [{ kind: 'image', mimeType: 'image/png', path, bytes: png.length }] };
        }
      }
    } catch (error) {
      if (error instanceof ToolError) throw error;
      throw new ToolError(`${input.action} failed: ${(error as Error).message.split('\n')[0]}`);
    }
  },
});
