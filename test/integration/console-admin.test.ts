import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { initAuthCreds } from 'baileys';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startConsole } from '../../src/console/console.js';
import { connectorFiles } from '../../src/config/paths.js';
import { PairingStore } from '../../src/connectors/inbound/pairing-store.js';
import { stopTurn } from '../../src/session-client/session-client.js';
import { consoleOpenUrl, redactorFor } from '../../src/config/secrets.js';
import type { ListeningServer } from '../../src/http/listen.js';
import { createLogger } from '../../src/logger.js';
import { stackFindings } from '../../src/stack/doctor.js';
import { FakeWhatsApp } from '../helpers/fake-whatsapp.js';
import { namespaceForFile } from '../helpers/namespace.js';
import { launchChromium, pageForTest } from '../helpers/page-for-test.js';
import { runCli, spawnCli } from '../helpers/processes.js';
import { TestStack } from '../helpers/test-stack.js';

/** A secret in the configuration file: the page must never see it. */
const modelKey = 'sk-console-secret-7f3a9c1e5b2d';
/** Set to a folder to keep a picture of each page, desktop- and phone-sized (the README's pictures: npm run docs:console). */
const picturesDir = process.env.CLAWFLOW_CONSOLE_PICTURES;

async function picture(page: Page, name: string): Promise<void> {
  if (!picturesDir) return;
  mkdirSync(picturesDir, { recursive: true });
  for (const [size, viewport] of [
    ['desktop', { width: 1280, height: 800 }],
    ['phone', { width: 390, height: 844 }],
  ] as const) {
    await page.setViewportSize(viewport);
    // As a page opened at this size shows it: the open page's name in view in the row of pages, the top of the page.
    await page.evaluate(`document.querySelector('nav a[aria-current="page"]')?.scrollIntoView({ block: 'nearest', inline: 'nearest' }); window.scrollTo(0, 0)`);
    await page.waitForTimeout(300);
    await page.screenshot({ path: join(picturesDir, `${name}-${size}.png`) });
  }
}

describe.skipIf(inject('machine').chromium)('the console: channels, logs and the configuration (a real stack, the page in Chromium)', () => {
  // WhatsApp's chat server, faked on this machine: the connector's device is not linked, so WhatsApp offers a QR code.
  const whatsapp = new FakeWhatsApp({ ...initAuthCreds(), me: { id: '15550001111:7@s.whatsapp.net', name: 'ClawFlow' }, registered: true });
  let stack: TestStack;
  let console_: ListeningServer;
  let browser: Browser;
  let origin: string;

  beforeAll(async () => {
    await whatsapp.start();
    stack = await TestStack.start({
      namespace: namespaceForFile(import.meta.url),
      config: {
        // The fake model's answers priced: 10 input and 5 output tokens each cost $0.105.
        model: { apiKey: modelKey, pricing: { scripted: { input: 3000, output: 15_000 } } },
        tools: { exec: { policy: 'ask', sandbox: 'none', approvalTimeoutSeconds: 300 } },
        channels: { whatsapp: { enabled: true, webSocketUrl: whatsapp.chatUrl } },
      },
    });
    await stack.startWorker();
    console_ = await startConsole({
      config: stack.config,
      client: stack.client,
      // As `clawflow start` logs: every secret of the install redacted.
      logger: createLogger('info', redactorFor(stack.config)),
      webUiOrigin: null,
      checkStack: () => stackFindings(stack.config),
      port: 0,
      env: stack.env,
    });
    origin = console_.url;
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await console_?.close();
    await stack?.stop();
    await whatsapp.stop();
  });

  const open = async (hash: string): Promise<Page> => {
    const page = await pageForTest(browser);
    await page.goto(consoleOpenUrl(stack.config, origin));
    await page.goto(`${origin}/#/${hash}`);
    return page;
  };

  it('shows each channel as the connector reports it, with what to do, and WhatsApp’s QR code to link it', async () => {
    const page = await open('channels');
    const card = page.locator('li.channel[data-channel="whatsapp"]');
    // No connector yet: it says so, and how to start one.
    await expect.poll(() => card.getAttribute('data-state'), { timeout: 15_000 }).toBe('not running');
    expect(await card.locator('.advice').textContent()).toMatch(/start ClawFlow \(npm start\)/);
    // A channel that is off says how to turn it on.
    await page.locator('.off-channels summary').click();
    expect(await page.locator('li.channel[data-channel="telegram"] .advice').textContent()).toMatch(/CLAWFLOW_TELEGRAM_BOT_TOKEN/);

    await stack.startConnector();
    // Without a reload: the device waits to be linked, and the QR code WhatsApp offered is shown, as an image.
    await expect.poll(() => card.getAttribute('data-state'), { timeout: 30_000 }).toBe('starting');
    const qr = card.locator('.qr img');
    await qr.waitFor({ timeout: 15_000 });
    expect(await qr.getAttribute('src')).toMatch(/^data:image\/svg\+xml/);
    // It was drawn (the page's Content-Security-Policy lets its own data: images through, nothing else).
    await expect.poll(() => qr.evaluate((img) => (img as unknown as { naturalWidth: number }).naturalWidth)).toBeGreaterThan(0);
    expect(whatsapp.pairingOffers).toBeGreaterThan(0);
    await picture(page, 'channels');
    await page.close();
  });

  it('tails the log live, filtered by level and part, with every secret redacted', async () => {
    const page = await open('logs');
    // Connected: the records it holds so far are shown (perhaps none).
    await expect
      .poll(async () => (await page.locator('.log-line').count()) > 0 || (await page.locator('.empty').textContent()) === 'Nothing logged matches.', {
        timeout: 15_000,
      })
      .toBe(true);
    const worker = createLogger('info', redactorFor(stack.config)).child({ component: 'worker' });
    worker.warn({ sessionKey: 'main:test:logs' }, `the model refused the key ${modelKey}`);
    worker.info('an ordinary record');
    const warning = page.locator('.log-line', { hasText: 'the model refused the key' });
    await warning.waitFor({ timeout: 15_000 });
    expect(await warning.getAttribute('data-component')).toBe('worker');
    expect(await warning.locator('.message').textContent()).not.toContain(modelKey);
    expect(await warning.locator('.detail').textContent()).toContain('main:test:logs');
    expect(await page.content()).not.toContain(modelKey);

    await page.selectOption('select[aria-label="Level"]', 'error');
    await expect.poll(() => warning.count()).toBe(0);
    await page.selectOption('select[aria-label="Level"]', 'warn');
    await expect.poll(() => warning.count()).toBe(1);
    expect(await page.locator('.log-line', { hasText: 'an ordinary record' }).count()).toBe(0);
    await page.selectOption('select[aria-label="Level"]', 'info');
    await page.selectOption('select[aria-label="Component"]', 'worker');
    await expect.poll(() => page.locator('.log-line', { hasText: 'an ordinary record' }).count()).toBe(1);
    expect(await page.locator('.log-line:not([data-component="worker"])').count()).toBe(0);
    await page.selectOption('select[aria-label="Component"]', '');
    await picture(page, 'logs');
    await page.close();
  });

  it('edits the configuration: an edit with an error shows it and saves nothing; a good one is saved, secrets kept, the old file kept', async () => {
    const file = stack.config.paths.configFile;
    // Laid out as a person keeps it (the test stack wrote it on one line).
    writeFileSync(file, `${JSON.stringify(JSON.parse(readFileSync(file, 'utf8')), null, 2)}\n`);
    const before = readFileSync(file, 'utf8');
    expect(before).toContain(modelKey);
    const page = await open('config');
    const editor = page.locator('textarea[aria-label="Configuration file"]');
    await expect.poll(() => editor.inputValue(), { timeout: 15_000 }).toContain('(hidden secret 1)');
    // The secret is nowhere in the page: not in the file's text, not in the effective configuration.
    expect(await editor.inputValue()).not.toContain(modelKey);
    expect(await page.content()).not.toContain(modelKey);
    const shown = await editor.inputValue();

    // An unknown setting: refused with the message a start gives, the file untouched.
    await editor.fill(shown.replace(/^\{/, '{"agent": {"maxToolStepz": 3}, '));
    await page.click('.config-editor button[type="submit"]');
    await expect.poll(() => page.locator('.save-problem').textContent()).toMatch(/unknown key "agent\.maxToolStepz".*did you mean "agent\.maxToolSteps"/);
    expect(await page.locator('#outcomes li.error').first().textContent()).toMatch(/^Not saved/);
    expect(readFileSync(file, 'utf8')).toBe(before);
    expect(existsSync(`${file}.bak`)).toBe(false);

    // A value of the wrong kind: the same.
    await editor.fill(shown.replace(/^\{/, '{"agent": {"maxToolSteps": "many"}, '));
    await page.click('.config-editor button[type="submit"]');
    await expect.poll(() => page.locator('.save-problem').textContent()).toMatch(/agent\.maxToolSteps: .*number/);
    expect(readFileSync(file, 'utf8')).toBe(before);

    // A good edit: saved as written, its secret put back, the old file kept; it takes effect at the next start.
    await editor.fill(shown.replace(/^\{/, '{"agent": {"maxToolSteps": 7}, '));
    await page.click('.config-editor button[type="submit"]');
    await expect
      .poll(() => page.locator('#outcomes li.outcome').first().textContent())
      .toMatch(/^Saved .*clawflow\.json \(the old file kept as .*\.bak\)\. Changed: agent/);
    expect(await page.locator('#outcomes li.outcome').first().textContent()).toMatch(/restart it/);
    const after = readFileSync(file, 'utf8');
    expect(JSON.parse(after)).toMatchObject({ agent: { maxToolSteps: 7 }, model: { apiKey: modelKey } });
    expect(after).toContain(modelKey);
    expect(after).not.toContain('hidden secret');
    expect(readFileSync(`${file}.bak`, 'utf8')).toBe(before);
    // The page says what waits for a restart: that setting, and nothing else.
    await expect.poll(() => page.locator('.not-in-effect code.setting').allTextContents(), { timeout: 15_000 }).toEqual(['agent.maxToolSteps']);
    await picture(page, 'config');

    // A save made from a version of the file that is no longer there is refused, nothing written.
    const stale = await page.evaluate(
      `fetch('/api/config/save', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ text: '{}', base: '0000000000000000' }) }).then((r) => r.json())`,
    );
    expect(stale).toEqual({ ok: false, error: expect.stringMatching(/the file changed since the page read it/) });
    expect(readFileSync(file, 'utf8')).toBe(after);
    await page.close();
  });

  it('fits every page on a phone’s screen, each with what it lists', async () => {
    // Something on each page: sessions that answered, a command waiting for an answer, a stranger, a job.
    stack.model.setReply(() => 'Done: the **draft** is in `notes/plan.md`.');
    await stack.send('main:test:planning', 'write the plan into notes/plan.md');
    const asking = 'main:test:cleanup';
    stack.model.setReply((request) =>
      request.messages.at(-1)?.role === 'tool' ? 'cleaned' : { toolCalls: [{ name: 'exec', arguments: { command: 'rm -rf build/ && npm run build' } }] },
    );
    const waiting = spawnCli(['send', asking, 'clean the build and rebuild'], stack.env);
    await new PairingStore(connectorFiles(stack.config.paths.home).pairing).codeFor(
      'telegram',
      { id: '4242', name: 'Ada' },
      { messageId: 'm1', route: { channel: 'telegram', chat: '4242' }, text: 'hello, may I talk to your agent?' },
    );
    const added = await runCli(['cron', 'add', '--name', 'morning-brief', '--cron', '0 8 * * 1-5', '--message', 'Brief me on the day'], stack.env);
    expect(added.code, added.output).toBe(0);
    const page = await open('approvals');
    await page.locator('li.card', { hasText: 'rm -rf build/' }).waitFor({ timeout: 30_000 });
    await page.setViewportSize({ width: 390, height: 844 });
    for (const name of ['sessions', 'approvals', 'pairing', 'schedules', 'channels', 'usage', 'logs', 'config', 'status']) {
      await page.goto(`${origin}/#/${name}`);
      await page.locator('h1').first().waitFor();
      expect(await page.locator('h1').first().isVisible()).toBe(true);
      await page.waitForTimeout(500);
      expect(await page.evaluate('document.documentElement.scrollWidth'), name).toBeLessThanOrEqual(390);
      if (!['channels', 'logs', 'config'].includes(name)) await picture(page, name);
    }
    await page.goto(`${origin}/#/session/${encodeURIComponent('main:test:planning')}`);
    await page.locator('.entry-assistant').first().waitFor({ timeout: 15_000 });
    // What it did, and what it cost.
    expect(await page.locator('.used-tokens').textContent()).toBe('15');
    expect(await page.locator('.used-cost').textContent()).toBe('$0.1050');
    expect(await page.locator('.entry-assistant .when').first().textContent()).toMatch(/10 in \/ 5 out tokens · \$0\.1050$/);
    await picture(page, 'session');
    // Compact, from the page: the session does what /compact does (a conversation this short has nothing to fold), and
    // its answer shows at the top.
    await page.getByRole('button', { name: 'Compact' }).click();
    await expect
      .poll(() => page.locator('#outcomes li.outcome').first().textContent(), { timeout: 20_000 })
      .toMatch(/^\/compact: Nothing to compact: the context holds only recent turns/);
    await page.close();
    expect(await stopTurn(stack.client, stack.config, asking)).toBe(true);
    await waiting.exited;
  });
});
