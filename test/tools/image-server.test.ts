import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadImages, withImages } from '../../src/agent/runtime/image-inputs.js';
import { invocationSchema } from '../../src/contracts/agent-runtime.js';
import { ImageLinks } from '../../src/tools/image-links.js';
import { startImageServer, type RunningImageServer } from '../../src/tools/image-server.js';
import { rawRequest } from '../helpers/raw-http.js';

describe("the tools host's image server and the runtime that fetches from it", () => {
  const dir = mkdtempSync(join(tmpdir(), 'clawflow-images-'));
  const workspace = join(dir, 'workspace');
  const key = 'k'.repeat(43);
  let server: RunningImageServer;
  let links: ImageLinks;

  beforeAll(async () => {
    mkdirSync(join(workspace, 'media', 'inbound'), { recursive: true });
    // A tall transparent PNG, a wide JPEG, something that only calls itself an image, a secret outside the workspace.
    writeFileSync(
      join(workspace, 'media', 'inbound', 'tall.png'),
      await sharp({ create: { width: 400, height: 4000, channels: 4, background: { r: 0, g: 0, b: 0, alpha: 0.5 } } })
        .png()
        .toBuffer(),
    );
    writeFileSync(
      join(workspace, 'media', 'inbound', 'wide.jpg'),
      await sharp({ create: { width: 5000, height: 1000, channels: 3, background: '#336699' } })
        .jpeg()
        .toBuffer(),
    );
    writeFileSync(join(workspace, 'media', 'inbound', 'fake.jpg'), 'not really a picture');
    writeFileSync(
      join(dir, 'secret.png'),
      await sharp({ create: { width: 10, height: 10, channels: 3, background: '#000' } })
        .png()
        .toBuffer(),
    );
    symlinkSync(join(dir, 'secret.png'), join(workspace, 'media', 'inbound', 'link.png'));
    server = await startImageServer({
      host: '127.0.0.1',
      port: 0,
      workspaceDir: workspace,
      key,
      maxBytes: 5_000_000,
      protectedPaths: [],
      allowedHosts: [],
      logger: pino({ level: 'silent' }),
    });
    links = new ImageLinks(server.url, key);
  });
  afterAll(async () => {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const fetchBytes = async (url: string) => {
    const response = await fetch(url);
    return { status: response.status, type: response.headers.get('content-type'), bytes: Buffer.from(await response.arrayBuffer()) };
  };

  it('serves a signed image downscaled to 1568 px on its longest side: a PNG keeps its transparency, a photo is a JPEG', async () => {
    const tall = await fetchBytes(links.urlFor('media/inbound/tall.png'));
    expect(tall.status).toBe(200);
    expect(await sharp(tall.bytes).metadata()).toMatchObject({ format: 'png', width: 157, height: 1568, hasAlpha: true });
    const wide = await fetchBytes(links.urlFor('media/inbound/wide.jpg'));
    expect(wide.type).toBe('image/jpeg');
    expect(await sharp(wide.bytes).metadata()).toMatchObject({ format: 'jpeg', width: 1568, height: 314 });
  });

  it('refuses a link it did not sign, one for another file, an expired one, a way out of the workspace, and what is no image', async () => {
    const good = new URL(links.urlFor('media/inbound/wide.jpg'));
    const forged = new URL(good);
    forged.searchParams.set('path', 'media/inbound/tall.png');
    expect((await fetchBytes(forged.href)).status).toBe(403);
    expect((await fetchBytes(new ImageLinks(server.url, 'x'.repeat(43)).urlFor('media/inbound/wide.jpg'))).status).toBe(403);
    expect((await fetchBytes(links.urlFor('media/inbound/wide.jpg', Date.now() - 3_600_000))).status).toBe(403);
    expect((await fetchBytes(links.urlFor('../secret.png'))).status).toBe(403);
    expect((await fetchBytes(links.urlFor('media/inbound/link.png'))).status).toBe(403);
    expect((await fetchBytes(links.urlFor('media/inbound/gone.jpg'))).status).toBe(404);
    expect((await fetchBytes(links.urlFor('media/inbound/fake.jpg'))).status).toBe(415);
    expect((await fetchBytes(`${server.url}/images`)).status).toBe(403);
    expect((await rawRequest(good.href, { headers: { host: 'evil.example' } })).status).toBe(421);
  });

  it('the runtime shows the model what it could fetch and tells it, in words, what it could not', async () => {
    const invocation = invocationSchema.parse({
      sessionKey: 'main:test:images',
      turn: 1,
      context: { mode: 'cached', throughTurn: 0 },
      messages: [
        {
          messageId: 'm1',
          content: 'two pictures',
          images: [
            { path: 'media/inbound/wide.jpg', mimeType: 'image/jpeg', url: links.urlFor('media/inbound/wide.jpg') },
            { path: 'media/inbound/fake.jpg', mimeType: 'image/jpeg', url: links.urlFor('media/inbound/fake.jpg') },
          ],
        },
      ],
    });
    const loaded = await loadImages(invocation, new AbortController().signal);
    const message = withImages(invocation.messages[0]!, loaded);
    expect(message.images?.map((i) => i.mimeType)).toEqual(['image/jpeg']);
    expect(message.content).toMatch(
      /^two pictures\n\[The image media\/inbound\/fake\.jpg could not be shown to you: the tools host answered HTTP 415: .*could not be read as an image/,
    );
    // A model without vision is not shown them at all.
    expect(withImages(invocation.messages[0]!, null)).toEqual({ role: 'user', content: 'two pictures' });
  });
});
