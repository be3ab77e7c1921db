import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser } from 'playwright-core';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it, inject } from 'vitest';
import { WebSocket } from 'ws';
import { installSecret, webChatOpenUrl } from '../../src/config/secrets.js';
import { internalTokenHeader } from '../../src/http/internal-token.js';
import { heard } from '../helpers/fake-model.js';
import { namespaceForFile } from '../helpers/namespace.js';
import { freePort } from '../helpers/ports.js';
import { rawRequest } from '../helpers/raw-http.js';
import { TestStack } from '../helpers/test-stack.js';
import type { CliProcess } from '../helpers/processes.js';
import { launchChromium, pageForTest } from '../helpers/page-for-test.js';
import { WebChatAdapter } from '../../src/channels/webchat/adapter.js';
import { createLogger } from '../../src/logger.js';

/** A socket opened as a script would (any headers it likes), collecting the frames it receives from the start. */
interface TestSocket {
  socket: WebSocket;
  seen: Array<Record<string, unknown>>;
  waitFor(match: (frame: Record<string, unknown>) => boolean, timeoutMs?: number): Promise<Record<string, unknown>>;
}

/** Resolves with the open socket, or with the HTTP status it was refused with. */
function openSocket(url: string, headers: Record<string, string>): Promise<TestSocket | number> {
  return new Promise((resolve) => {
    const socket = new WebSocket(url, { headers });
    const seen: Array<Record<string, unknown>> = [];
    socket.on('message', (data) => seen.push(JSON.parse(String(data)) as Record<string, unknown>));
    const waitFor = async (match: (frame: Record<string, unknown>) => boolean, timeoutMs = 30_000): Promise<Record<string, unknown>> => {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const found = seen.find(match);
        if (found) return found;
        if (Date.now() > deadline) throw new Error(`no such frame among ${JSON.stringify(seen)}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    };
    socket.once('open', () => resolve({ socket, seen, waitFor }));
    socket.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
    socket.once('error', () => resolve(0));
  });
}

/** An element's computed background colour (run in the page). */
const backgroundOf = (node: unknown): string =>
  (globalThis as unknown as { getComputedStyle(n: unknown): { backgroundColor: string } }).getComputedStyle(node).backgroundColor;

describe.skipIf(inject('machine').chromium)('WebChat in a real browser', () => {
  let stack: TestStack;
  let browser: Browser;
  let url: string;
  let origin: string;
  let connector: CliProcess;
  let worker: CliProcess;

  /** The cookie a browser gets for opening the link `npm start` prints. */
  const cookieFor = async (): Promise<string> => {
    const opened = await rawRequest(webChatOpenUrl(stack.config));
    expect(opened.status).toBe(303);
    return String(opened.headers['set-cookie']).split(';')[0]!;
  };

  beforeAll(async () => {
    const port = await freePort();
    origin = `http://127.0.0.1:${port}`;
    stack = await TestStack.start({
      namespace: namespaceForFile(import.meta.url),
      config: {
        channels: { webchat: { enabled: true, port } },
        media: { maxBytes: 2_000_000 },
        tools: { exec: { policy: 'ask', sandbox: 'none', approvalTimeoutSeconds: 120 } },
      },
    });
    url = webChatOpenUrl(stack.config);
    stack.model.setReply(heard);
    worker = await stack.startWorker();
    connector = await stack.startConnector();
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
  });

  it('sends a message, streams the reply in, and shows the conversation again after a reload', async () => {
    const page = await pageForTest(browser);
    await page.goto(url);
    // The key left the address bar for a cookie.
    expect(page.url()).toBe(`${origin}/`);
    await expect.poll(() => page.locator('#state').textContent()).toBe('connected');
    await page.fill('#text', 'hello from the browser');
    await page.press('#text', 'Enter');
    await page.locator('.msg.assistant', { hasText: 'heard: hello from the browser' }).waitFor({ timeout: 30_000 });
    // The streamed text can be whole before the final delivery lands; wait for that delivery.
    await expect.poll(async () => (await page.evaluate('window.__events')) as string[], { timeout: 10_000 }).toContain('reply');
    const events = (await page.evaluate('window.__events')) as string[];
    // The reply grew piece by piece before the final delivery.
    expect(events.filter((e) => e === 'delta').length).toBeGreaterThan(1);
    expect(events.indexOf('delta')).toBeLessThan(events.indexOf('reply'));
    expect(events).toContain('accepted');

    await page.fill('#text', 'second message');
    await page.press('#text', 'Enter');
    await page.locator('.msg.assistant', { hasText: 'heard: hello from the browser | second message' }).waitFor({ timeout: 30_000 });

    await page.reload();
    await expect
      .poll(() => page.locator('.msg').allTextContents(), { timeout: 10_000 })
      .toEqual(['hello from the browser', 'heard: hello from the browser', 'second message', 'heard: hello from the browser | second message']);
    await page.close();
  });

  it('uploads files with a message: a picture reaches the model as an image, a text file as its text; too much is refused in the page', async () => {
    const page = await pageForTest(browser);
    await page.goto(url);
    await expect.poll(() => page.locator('#state').textContent()).toBe('connected');
    const picture = await sharp({ create: { width: 120, height: 80, channels: 3, background: '#ff0000' } })
      .jpeg()
      .toBuffer();
    await page.setInputFiles('#files', [
      { name: 'red.jpg', mimeType: 'image/jpeg', buffer: picture },
      { name: 'list.txt', mimeType: 'text/plain', buffer: Buffer.from('eggs\nflour\nsugar\n') },
    ]);
    // Each file chosen shows with a drawn paperclip: no emoji font needed.
    await expect.poll(() => page.locator('#chosen .file').allTextContents()).toEqual(['red.jpg', 'list.txt']);
    expect(await page.locator('#chosen .file svg').count()).toBe(2);
    await page.fill('#text', 'what do I need?');
    await page.press('#text', 'Enter');
    await page.locator('.msg.assistant', { hasText: 'what do I need?' }).waitFor({ timeout: 30_000 });
    const asked = stack.model.requests.at(-1)!.messages.at(-1)!;
    expect(asked.content).toMatch(
      /^what do I need\?\n\[The user sent an image "red\.jpg" \(image\/jpeg, \d+ kB\), saved in the workspace as media\/inbound\/webchat-[0-9a-f]{24}\.jpg\]\n\[The user sent a document "list\.txt" \(text\/plain, 1 kB\), saved in the workspace as media\/inbound\/webchat-[0-9a-f]{24}\.txt\. Its text:\]\neggs\nflour\nsugar/,
    );
    expect(asked.images).toHaveLength(1);
    expect(await page.locator('.msg.user').last().locator('.file').allTextContents()).toEqual(['red.jpg', 'list.txt']);
    expect(await page.locator('.msg.user').last().textContent()).toBe('what do I need?red.jpglist.txt');

    // Over media.maxBytes together: the page says so and sends nothing.
    const requests = stack.model.requests.length;
    await page.setInputFiles('#files', [{ name: 'huge.bin', mimeType: 'application/octet-stream', buffer: Buffer.alloc(stack.config.media.maxBytes + 1) }]);
    await page.press('#text', 'Enter');
    await page.locator('.msg.error', { hasText: 'media.maxBytes' }).waitFor({ timeout: 10_000 });
    expect(stack.model.requests.length).toBe(requests);
    await page.close();
  });

  it('shows the conversation on reconnecting while the session worker is down, from the stored transcript', async () => {
    const cookie = await cookieFor();
    const ws = `${origin.replace('http', 'ws')}/ws`;
    const first = (await openSocket(ws, { origin, cookie })) as TestSocket;
    first.socket.send(JSON.stringify({ type: 'message', id: 'down-1', text: 'remember the lighthouse' }));
    await first.waitFor((f) => f.type === 'reply' && String(f.text).includes('remember the lighthouse'));
    first.socket.close();
    await stack.kill(worker, 'SIGKILL');
    try {
      const started = performance.now();
      const again = (await openSocket(ws, { origin, cookie })) as TestSocket;
      const history = await again.waitFor((f) => f.type === 'history', 60_000);
      expect((history.entries as Array<{ text: string }>).map((e) => e.text)).toEqual(['remember the lighthouse', 'heard: remember the lighthouse']);
      // Not after the query's own timeout (30 s): the page gives a session that cannot answer 2 s.
      expect(performance.now() - started).toBeLessThan(10_000);
      again.socket.close();
    } finally {
      worker = await stack.startWorker();
    }
  });

  it('shows a browser without the key a styled page saying how to get the link, and nothing of the chat; a wrong key gets the same', async () => {
    const page = await pageForTest(browser);
    const locked = await page.goto(`${origin}/`);
    expect(locked!.status()).toBe(401);
    expect(await page.locator('h1').textContent()).toBe('This chat needs its link');
    expect(await page.textContent('#locked')).toContain('npm start');
    expect(await page.textContent('#locked')).toContain('clawflow channels status');
    // Styled: a card on the page's background, not the browser's default page.
    expect(await page.locator('#locked').evaluate(backgroundOf)).toBe('rgb(255, 255, 255)');
    expect(await page.locator('body').evaluate(backgroundOf)).not.toBe('rgba(0, 0, 0, 0)');
    await page.goto(`${origin}/?token=wrong`);
    expect(await page.textContent('#locked')).toContain('wrong key');
    expect(await page.locator('#log').count()).toBe(0);
    await page.close();
  });

  it("renders the agent's Markdown, and nothing in an answer runs, loads or calls out", async () => {
    // A page the agent read could have put anything in its answer: script, handlers, an image whose address carries data out.
    let fetched = 0;
    const tracker = createServer((_req, res) => {
      fetched += 1;
      res.end('x');
    });
    await new Promise<void>((resolve) => tracker.listen(0, '127.0.0.1', resolve));
    const trackerUrl = `http://127.0.0.1:${(tracker.address() as AddressInfo).port}`;
    stack.model.setReply(
      () =>
        `**Done.** Run \`ls -l\` then:\n\n- one\n- two\n\n[the docs](https://example.com/docs) and https://example.org/page\n\n` +
        `<script>window.__pwned = 'script'</script> <img src="x" onerror="window.__pwned = 'img'"> [click](javascript:window.__pwned='link') ` +
        `![tracker](${trackerUrl}/leak?secret=1) <iframe src="${trackerUrl}/frame"></iframe>`,
    );
    try {
      const page = await pageForTest(browser);
      await page.goto(url);
      await expect.poll(() => page.locator('#state').textContent()).toBe('connected');
      await page.fill('#text', 'show me markdown');
      await page.press('#text', 'Enter');
      const answer = page.locator('.msg.assistant', { hasText: 'Done.' }).last();
      await answer.waitFor({ timeout: 30_000 });
      await expect.poll(async () => (await page.evaluate('window.__events')) as string[], { timeout: 10_000 }).toContain('reply');
      const check = async (): Promise<void> => {
        expect(await answer.locator('strong').textContent()).toBe('Done.');
        expect(await answer.locator('code').first().textContent()).toBe('ls -l');
        expect(await answer.locator('li').allTextContents()).toEqual(['one', 'two']);
        const links = answer.locator('a');
        expect(await links.evaluateAll((all) => all.map((a) => [a.getAttribute('href'), a.getAttribute('target'), a.getAttribute('rel')]))).toEqual([
          ['https://example.com/docs', '_blank', 'noopener noreferrer'],
          ['https://example.org/page', '_blank', 'noopener noreferrer'],
          // An image's address is a link to click, never loaded; so is one inside HTML shown as text.
          [`${trackerUrl}/leak?secret=1`, '_blank', 'noopener noreferrer'],
          [`${trackerUrl}/frame`, '_blank', 'noopener noreferrer'],
        ]);
        // The model's HTML is shown as text; none of it became an element.
        expect(await answer.textContent()).toContain('<script>');
        expect(await page.locator('#log script, #log img, #log iframe').count()).toBe(0);
        expect(await page.evaluate('window.__pwned')).toBeUndefined();
      };
      await check();
      // Shown again from the history, rendered the same way.
      await page.reload();
      await page.locator('.msg.assistant strong', { hasText: 'Done.' }).last().waitFor({ timeout: 10_000 });
      await check();
      await page.close();
      expect(fetched).toBe(0);
    } finally {
      stack.model.setReply(heard);
      tracker.close();
    }
  });

  it('greets a first-time visitor, and the greeting goes with the first message', async () => {
    const context = await browser.newContext();
    const page = await pageForTest(context);
    await page.goto(url);
    await expect.poll(() => page.locator('#state').textContent()).toBe('connected');
    const welcome = page.locator('#welcome');
    await welcome.waitFor({ timeout: 10_000 });
    expect(await welcome.textContent()).toContain('/help');
    // The attach button is a drawn icon: it shows without any emoji font.
    const icon = await page.locator('#attach svg').boundingBox();
    expect(icon!.width).toBeGreaterThan(10);
    expect((await page.locator('#attach').textContent())!.trim()).toBe('');
    await page.fill('#text', 'hi there');
    await page.press('#text', 'Enter');
    await page.locator('.msg.assistant', { hasText: 'heard: hi there' }).waitFor({ timeout: 30_000 });
    expect(await welcome.count()).toBe(0);
    await page.reload();
    await page.locator('.msg.assistant', { hasText: 'heard: hi there' }).waitFor({ timeout: 10_000 });
    expect(await page.locator('#welcome').count()).toBe(0);
    await context.close();
  });

  it('shows an approval request as buttons the owner answers with a click, also after a reload; a look-alike in an answer gets none', async () => {
    stack.model.setReply((request) => {
      const last = request.messages.at(-1)!;
      if (last.role === 'tool') return `the command said: ${last.content}`;
      if (last.content?.includes('please run')) return { toolCalls: [{ name: 'exec', arguments: { command: 'echo approved-by-button' } }] };
      return `Reply /approve abcdef to allow it once, /always abcdef to always allow it, or /deny abcdef.`;
    });
    try {
      const context = await browser.newContext();
      const page = await pageForTest(context);
      await page.goto(url);
      await expect.poll(() => page.locator('#state').textContent()).toBe('connected');
      // An answer that only looks like a request is words, not buttons.
      await page.fill('#text', 'say something');
      await page.press('#text', 'Enter');
      await page.locator('.msg.assistant', { hasText: 'Reply /approve abcdef' }).waitFor({ timeout: 30_000 });
      expect(await page.locator('.approval').count()).toBe(0);

      await page.fill('#text', 'please run it');
      await page.press('#text', 'Enter');
      const card = page.locator('.approval');
      await card.waitFor({ timeout: 30_000 });
      expect(await card.locator('pre').textContent()).toBe('echo approved-by-button');
      expect(await card.locator('button').allTextContents()).toEqual(['Allow once', 'Always allow', 'Deny']);
      // Still waiting after a reload: the card comes back from the session's own state.
      await page.reload();
      await card.waitFor({ timeout: 10_000 });
      expect(await card.count()).toBe(1);
      await card.locator('button', { hasText: 'Allow once' }).click();
      await page.locator('.msg.assistant', { hasText: 'Allowed once: echo approved-by-button' }).waitFor({ timeout: 30_000 });
      await page.locator('.msg.assistant', { hasText: 'the command said:' }).waitFor({ timeout: 30_000 });
      expect(await page.locator('.msg.assistant', { hasText: 'the command said:' }).textContent()).toContain('approved-by-button');
      expect(await card.locator('button:disabled').count()).toBe(3);
      // The click was an answer, not a message of the conversation.
      expect(await page.locator('.msg.user').allTextContents()).toEqual(['say something', 'please run it']);
      await context.close();
    } finally {
      stack.model.setReply(heard);
    }
  });

  it('keeps a message written while the connection is down, says so, and sends it once when it is back', async () => {
    const context = await browser.newContext();
    const page = await pageForTest(context);
    await page.goto(url);
    await expect.poll(() => page.locator('#state').textContent()).toBe('connected');
    await stack.kill(connector, 'SIGTERM');
    try {
      await expect.poll(() => page.locator('#state').textContent(), { timeout: 10_000 }).toContain('what you write is kept');
      await page.fill('#text', 'written while offline');
      await page.press('#text', 'Enter');
      const mine = page.locator('.msg.user', { hasText: 'written while offline' });
      expect(await mine.locator('.note').textContent()).toContain('goes out when it is back');
      expect(await page.inputValue('#text')).toBe('');
    } finally {
      connector = await stack.startConnector();
    }
    await page.locator('.msg.assistant', { hasText: 'heard: written while offline' }).waitFor({ timeout: 30_000 });
    await expect.poll(() => page.locator('#state').textContent()).toBe('connected');
    expect(await page.locator('.msg.user .note').count()).toBe(0);
    expect(stack.model.requests.filter((r) => r.messages.at(-1)?.content === 'written while offline')).toHaveLength(1);
    await page.reload();
    await page.locator('.msg.assistant', { hasText: 'heard: written while offline' }).waitFor({ timeout: 10_000 });
    expect(await page.locator('.msg.user', { hasText: 'written while offline' }).count()).toBe(1);
    await context.close();
  });

  it('refuses a socket from another site, without the cookie, with a forged cookie or under another Host, before it reads a message', async () => {
    const cookie = await cookieFor();
    const ws = `${origin.replace('http', 'ws')}/ws`;
    const port = new URL(origin).port;
    const before = stack.model.requests.length;
    expect(await openSocket(ws, { cookie, origin: 'https://evil.example' })).toBe(403);
    expect(await openSocket(ws, { cookie })).toBe(403);
    expect(await openSocket(ws, { origin })).toBe(401);
    const [id] = cookie.split('=')[1]!.split('.');
    expect(await openSocket(ws, { origin, cookie: `clawflow_webchat=${id}.forged` })).toBe(401);
    expect(await openSocket(ws, { origin: `http://evil.example:${port}`, host: `evil.example:${port}`, cookie })).toBe(421);
    expect(stack.model.requests.length).toBe(before);
  });

  it('shows a reply part once when a retried delivery sends it again (a connector killed before it noted the part sent)', async () => {
    // The adapter as the connector runs it, in this process, so the test can be the retried delivery.
    const adapter = new WebChatAdapter({
      host: '127.0.0.1',
      port: 0,
      logger: createLogger('silent'),
      secret: 'retried-delivery-test-key',
      internalToken: 'retried-delivery-internal-token',
      allowedOrigins: [],
      allowedHosts: [],
      conversation: () => Promise.resolve({ entries: [], unanswered: [], approvals: [] }),
      approvals: () => Promise.resolve([]),
      maxUploadBytes: 1000,
    });
    await adapter.start(() => Promise.resolve());
    try {
      const page = await pageForTest(browser);
      await page.goto(adapter.openUrl);
      await expect.poll(() => page.locator('#state').textContent()).toBe('connected');
      const chat = (await page.context().cookies()).find((c) => c.name === 'clawflow_webchat')!.value.split('.')[0]!;
      const route = { channel: 'webchat', chat };
      await adapter.send(route, 'the answer, once', 'session:main:webchat:x:message:m1#1/1');
      await adapter.send(route, 'the answer, once', 'session:main:webchat:x:message:m1#1/1');
      await adapter.send(route, 'another answer', 'session:main:webchat:x:message:m2#1/1');
      await expect.poll(() => page.locator('.msg.assistant').allTextContents()).toEqual(['the answer, once', 'another answer']);
      await page.close();
    } finally {
      await adapter.stop();
    }
  });

  it('keeps each browser to its own conversation', async () => {
    const [mine, theirs] = [await cookieFor(), await cookieFor()];
    const ws = `${origin.replace('http', 'ws')}/ws`;
    const a = (await openSocket(ws, { origin, cookie: mine })) as TestSocket;
    a.socket.send(JSON.stringify({ type: 'message', id: 'private-1', text: 'my secret plan' }));
    await a.waitFor((f) => f.type === 'reply');
    const b = (await openSocket(ws, { origin, cookie: theirs })) as TestSocket;
    const history = await b.waitFor((f) => f.type === 'history');
    expect(JSON.stringify(history)).not.toContain('my secret plan');
    // The first browser sees its own conversation again.
    const again = (await openSocket(ws, { origin, cookie: mine })) as TestSocket;
    expect(JSON.stringify(await again.waitFor((f) => f.type === 'history'))).toContain('my secret plan');
    for (const s of [a, b, again]) s.socket.close();
  });

  it('answers garbage frames and a garbage delta feed with errors, and keeps serving', async () => {
    const cookie = await cookieFor();
    const ws = `${origin.replace('http', 'ws')}/ws`;
    const seen = (await openSocket(ws, { origin, cookie })) as TestSocket;
    const socket = seen.socket;
    await seen.waitFor((f) => f.type === 'history');
    socket.send('this is not json');
    socket.send(Buffer.from([0, 1, 2, 255]), { binary: true });
    socket.send(JSON.stringify({ type: 'message', id: 42, text: ['no'] }));
    socket.send('{"type":"message","id":"x","text":""}');
    socket.send('null');
    socket.send(JSON.stringify({ type: 'message', id: 'y', text: '', files: [{ name: 'a.png', type: 'image/png', data: 'not base64!' }] }));
    await expect.poll(() => seen.seen.filter((f) => f.type === 'error').length).toBe(6);
    // A frame over the size limit (media.maxBytes of files, base64-encoded, and the text) closes that socket only.
    const big = ((await openSocket(ws, { origin, cookie })) as TestSocket).socket;
    const closed = new Promise<number>((resolve) => big.once('close', (code) => resolve(code)));
    big.send('x'.repeat(5 * 1024 * 1024));
    expect(await closed).toBe(1009);

    const delta = `${origin}/internal/delta`;
    const token = installSecret(stack.home, 'internal-token');
    const body = JSON.stringify({ chat: 'someone', turn: 1, text: 'injected' });
    expect((await rawRequest(delta, { method: 'POST', headers: { 'content-type': 'application/json' }, body })).status).toBe(401);
    expect(
      (await rawRequest(delta, { method: 'POST', headers: { 'content-type': 'application/json', [internalTokenHeader]: token, origin }, body })).status,
    ).toBe(403);
    expect((await rawRequest(delta, { method: 'POST', headers: { 'content-type': 'text/plain', [internalTokenHeader]: token }, body })).status).toBe(415);
    expect(
      (await rawRequest(delta, { method: 'POST', headers: { 'content-type': 'application/json', [internalTokenHeader]: token }, body: '{"chat":' })).status,
    ).toBe(400);
    expect(
      (await rawRequest(delta, { method: 'POST', headers: { 'content-type': 'application/json', [internalTokenHeader]: token }, body: '[1,2]' })).status,
    ).toBe(400);
    expect(
      (
        await rawRequest(delta, {
          method: 'POST',
          headers: { 'content-type': 'application/json', [internalTokenHeader]: token },
          body: 'x'.repeat(1024 * 1024),
        })
      ).status,
    ).toBe(413);

    // Still the same process, still answering.
    expect(connector.child.exitCode).toBeNull();
    socket.send(JSON.stringify({ type: 'message', id: 'after-garbage', text: 'still there?' }));
    await seen.waitFor((f) => f.type === 'reply' && String(f.text).includes('still there?'));
    expect(connector.output()).not.toMatch(/uncaught exception|unhandled promise rejection/);
    socket.close();
  });
});
