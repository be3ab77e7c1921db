import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findChromium } from '../../src/tools/browser-pool.js';
import { heard } from '../helpers/fake-model.js';
import { namespaceForFile } from '../helpers/namespace.js';
import { freePort } from '../helpers/ports.js';
import { TestStack } from '../helpers/test-stack.js';


describe('WebChat in a real browser', () => {
  let stack: TestStack;
  let browser: Browser;
  let url: string;

  beforeAll(async () => {
    const port = await freePort();
    url = `http://127.0.0.1:${port}/`;
    stack = await TestStack.start({ namespace: namespaceForFile(import.meta.url), config: { channels: { webchat: { enabled: true, port } } } });
    stack.model.setReply(heard);
    await stack.startWorker();
    await stack.startConnector();
    browser = await chromium.launch({ executablePath: findChromium(undefined), headless: true, args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
  });
  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
  });

  it('sends a message, streams the reply in, and shows the conversation again after a reload', async () => {
    const page = await browser.newPage();
    await page.goto(url);
    await expect.poll(() => page.locator('#state').textContent()).toBe('connected');
    await page.fill('#text', 'hello from the browser');
    await page.press('#text', 'Enter');
    await page.locator('.msg.assistant', { hasText: 'heard: hello from the browser' }).waitFor({ timeout: 30_000 });
    const events = (await page.evaluate('window.__events')) as string[];
    // The reply grew piece by piece before the final delivery.
    expect(events.filter((e) => e === 'delta').length).toBeGreaterThan(1);
    expect(events.indexOf('delta')).toBeLessThan(events.indexOf('reply'));
    expect(events).toContain('accepted');

    await page.fill('#text', 'second message');
    await page.press('#text', 'Enter');
    await page.locator('.msg.assistant', { hasText: 'heard: hello from the browser | second message' }).waitFor({ timeout: 30_000 });

    await page.reload();
    await expect.poll(() => page.locator('.msg').allTextContents(), { timeout: 10_000 }).toEqual([
      'hello from the browser',
      'heard: hello from the browser',
      'second message',
      'heard: hello from the browser | second message',
    ]);
    await page.close();
  });
});
