import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { z } from 'zod';
import { writeFileAtomic } from '../fs/atomic-write.js';
import type { BrowserPool } from './browser-pool.js';
import { findChromium } from './browser-pool.js';
import { refusedHeader } from './browser-proxy.js';
import { defineTool, ToolError } from './tool.js';
import { untrusted } from '../contracts/untrusted.js';
import { resolveInWorkspace } from './workspace-path.js';

const actionTimeoutMs = 10_000;
const maxTextChars = 20_000;

/** The page as the model reads it: marked as web content (data, not instructions), with what the policy refused. */
async function pageText(page: Page, browsers: BrowserPool, sessionKey: string): Promise<string> {
  const title = await page.title();
  const text = (
    await page
      .locator('body')
      .innerText({ timeout: actionTimeoutMs })
      .catch(() => '')
  ).trim();
  const cut = text.length > maxTextChars ? `${text.slice(0, maxTextChars)}\n[… ${text.length - maxTextChars} more characters]` : text;
  return `${untrusted(page.url(), `${title ? `# ${title}\n` : ''}${cut}`)}${eventsNote(browsers, sessionKey)}`;
}

/** Requests the network policy refused and files downloaded since the last action. */
function eventsNote(browsers: BrowserPool, sessionKey: string): string {
  const { refused, downloads } = browsers.takeEvents(sessionKey);
  const lines = [
    ...refused.slice(0, 10).map((r) => `- refused ${r.url}: ${r.reason}`),
    ...(refused.length > 10 ? [`- and ${refused.length - 10} more refused requests`] : []),
    ...downloads.map((path) => `- downloaded into the workspace: ${path}`),
  ];
  return lines.length ? `\n\n[browser notes]\n${lines.join('\n')}` : '';
}

function refusedError(browsers: BrowserPool, sessionKey: string, url: string): ToolError {
  const { refused } = browsers.takeEvents(sessionKey);
  const refusal = refused.find((r) => r.url === url || url.startsWith(r.url)) ?? refused.at(-1);
  return new ToolError(`refused: ${refusal ? `${refusal.url}: ${refusal.reason}` : url}`);
}

export const browserTool = defineTool({
  name: 'browser',
  description:
    'A headless browser on the public web, one page per conversation. Actions: open (url), snapshot (page text; mode "aria": accessibility tree), click (selector), type (selector, text), upload (selector, path), screenshot, close. Files it saves land in the workspace.',
  input: z
    .object({
      action: z.enum(['open', 'snapshot', 'click', 'type', 'upload', 'screenshot', 'close']),
      url: z.string().min(1).optional(),
      selector: z.string().min(1).optional().describe('a CSS selector, or text=Some label'),
      text: z.string().optional(),
      path: z.string().min(1).optional().describe('upload: a file in the workspace'),
      mode: z.enum(['text', 'aria']).optional(),
      fullPage: z.boolean().optional(),
    })
    .strict(),
  enabled: (config) => config.browser.enabled && findChromium(config.browser.executablePath) !== undefined,
  async run(input, { browsers, sessionKey, workspace, protectedPaths }) {
    if (input.action === 'close') return (await browsers.closePage(sessionKey)) ? 'closed the page' : 'no page was open';
    const need = <K extends 'url' | 'selector' | 'path'>(key: K): string => {
      const value = input[key];
      if (!value) throw new ToolError(`action "${input.action}" needs "${key}"`);
      return value;
    };
    if (input.action === 'open') {
      const destination = await browsers.destination(need('url'));
      if (!destination.ok) throw new ToolError(`refused to open ${input.url}: ${destination.reason}`);
    }
    const page = await browsers.page(sessionKey).catch((error: Error) => {
      throw new ToolError(`the browser could not start: ${error.message}`);
    });
    try {
      switch (input.action) {
        case 'open': {
          const response = await page.goto(need('url'), { waitUntil: 'domcontentloaded', timeout: 30_000 });
          // A redirect to a refused address ends on the proxy's refusal: say so, not what the refusal page reads.
          if (response?.headers()[refusedHeader]) throw refusedError(browsers, sessionKey, response.url());
          return pageText(page, browsers, sessionKey);
        }
        case 'snapshot':
          return input.mode === 'aria'
            ? `${untrusted(page.url(), await page.locator('body').ariaSnapshot({ timeout: actionTimeoutMs }))}${eventsNote(browsers, sessionKey)}`
            : pageText(page, browsers, sessionKey);
        case 'click':
          await page.click(need('selector'), { timeout: actionTimeoutMs });
          await page.waitForLoadState('domcontentloaded', { timeout: actionTimeoutMs }).catch(() => undefined);
          return pageText(page, browsers, sessionKey);
        case 'type':
          await page.fill(need('selector'), input.text ?? '', { timeout: actionTimeoutMs });
          return `typed into ${input.selector}`;
        case 'upload': {
          // Only a workspace file, and never one of ClawFlow's own.
          const file = await resolveInWorkspace(workspace, need('path'), protectedPaths);
          await page.setInputFiles(need('selector'), file, { timeout: actionTimeoutMs });
          return `chose ${input.path} in ${input.selector}`;
        }
        case 'screenshot': {
          const png = await page.screenshot({ fullPage: input.fullPage ?? false, type: 'png', timeout: actionTimeoutMs });
          const path = join('media', 'screenshots', `${new Date().toISOString().replace(/[:.]/g, '-')}.png`);
          await writeFileAtomic(join(workspace, path), png);
          return {
            output: `screenshot of ${page.url()} saved to ${path} (${png.length} bytes, PNG)`,
            artifacts: [{ kind: 'image', mimeType: 'image/png', path, bytes: png.length }],
            images: [{ path, mimeType: 'image/png' }],
          };
        }
      }
    } catch (error) {
      if (error instanceof ToolError) throw error;
      // An HTTPS navigation the proxy refused fails to connect: say why.
      const message = (error as Error).message.split('\n')[0]!;
      if (/ERR_TUNNEL_CONNECTION_FAILED/.test(message)) throw refusedError(browsers, sessionKey, input.url ?? page.url());
      throw new ToolError(`${input.action} failed: ${message}`);
    }
  },
});
