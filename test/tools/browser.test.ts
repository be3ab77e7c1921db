import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { crc32, inflateSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it, inject } from 'vitest';
import { browserTool } from '../../src/tools/browser.js';
import type { ToolOutput } from '../../src/tools/tool.js';
import { toolContext } from '../helpers/tool-context.js';

const page = `<!doctype html><html><head><title>Counter</title></head><body>
<h1 id="greeting">Hello from a page on 127.0.0.1</h1>
<input id="name" placeholder="name">
<button id="go" onclick="document.getElementById('greeting').textContent = 'Clicked, ' + document.getElementById('name').value">Press me</button>
</body></html>`;

/** Decodes a PNG far enough to be sure it is one: signature, chunk CRCs, IHDR, and image data of the right size. */
function decodePng(png: Buffer): { width: number; height: number } {
  expect(png.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
  let offset = 8;
  let width = 0;
  let height = 0;
  let bytesPerPixel = 0;
  const data: Buffer[] = [];
  while (offset < png.length) {
    const length = png.readUInt32BE(offset);
    const type = png.subarray(offset + 4, offset + 8).toString('latin1');
    const body = png.subarray(offset + 8, offset + 8 + length);
    expect(png.readUInt32BE(offset + 8 + length)).toBe(crc32(png.subarray(offset + 4, offset + 8 + length)));
    if (type === 'IHDR') {
      width = body.readUInt32BE(0);
      height = body.readUInt32BE(4);
      bytesPerPixel = { 2: 3, 6: 4 }[body[9]!] ?? 0;
    }
    if (type === 'IDAT') data.push(body);
    offset += 12 + length;
  }
  expect(inflateSync(Buffer.concat(data)).length).toBe(height * (1 + width * bytesPerPixel));
  return { width, height };
}

// Needs Chromium (Debian: apt-get install chromium; .ci/run installs it): without it this fails, it is not skipped.
describe.skipIf(inject('machine').chromium)('browser (real Chromium through playwright-core)', () => {
  let server: Server;
  let url: string;
  let context: ReturnType<typeof toolContext>;
  beforeAll(async () => {
    server = createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end(page));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    url = `http://127.0.0.1:${port}/`;
    // A local test server: private addresses open only when listed.
    context = toolContext({ browser: { allowPrivateNetwork: [`127.0.0.1:${port}`] } });
  });
  afterAll(async () => {
    await context.cleanup();
    await new Promise((resolve) => server.close(resolve));
  });

  it('opens a page, reads it, types, clicks a button that changes it, and takes a screenshot', async () => {
    expect(await browserTool.run({ action: 'open', url }, context)).toMatch(
      new RegExp(`^<<<UNTRUSTED WEB CONTENT from ${url}>>>\n# Counter\nHello from a page on 127\\.0\\.0\\.1\n\\s*Press me\n<<<END UNTRUSTED WEB CONTENT>>>$`),
    );
    expect(await browserTool.run({ action: 'snapshot', mode: 'aria' }, context)).toContain('button "Press me"');
    await browserTool.run({ action: 'type', selector: '#name', text: 'Ada' }, context);
    expect(await browserTool.run({ action: 'click', selector: 'text=Press me' }, context)).toContain('Clicked, Ada');

    const shot = (await browserTool.run({ action: 'screenshot' }, context)) as ToolOutput;
    expect(shot.artifacts).toEqual([
      { kind: 'image', mimeType: 'image/png', path: expect.stringMatching(/^media\/screenshots\/.+\.png$/), bytes: expect.any(Number) },
    ]);
    expect(decodePng(readFileSync(join(context.workspace, shot.artifacts![0]!.path)))).toEqual({ width: 1280, height: 800 });

    expect(await browserTool.run({ action: 'close' }, context)).toBe('closed the page');
  });

  it('reports a failed action to the model instead of throwing something else', async () => {
    await browserTool.run({ action: 'open', url }, context);
    await expect(browserTool.run({ action: 'click', selector: '#does-not-exist' }, { ...context, config: context.config })).rejects.toThrow(/^click failed: /);
    await expect(browserTool.run({ action: 'open' }, context)).rejects.toThrow('action "open" needs "url"');
  }, 30_000);
});
