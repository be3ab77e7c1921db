import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultPayloadConverter } from '@temporalio/common';
import pino from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { startCodecServer } from '../../src/temporal/codec-server.js';
import { historyKeys, rotateHistoryKey } from '../../src/temporal/data-converter.js';
import { HistoryCodec, historyKey } from '../../src/temporal/history-codec.js';
import { rawRequest } from '../helpers/raw-http.js';

const phrase = 'the secret garden is behind the blue door';
const payload = () => defaultPayloadConverter.toPayload({ text: phrase })!;

describe('encrypted history (AES-256-GCM payload codec)', () => {
  const home = mkdtempSync(join(tmpdir(), 'clawflow-codec-'));
  afterAll(() => rmSync(home, { recursive: true, force: true }));

  it('seals the whole payload, names the key, and opens it again; plain payloads from before pass through', async () => {
    const codec = new HistoryCodec(historyKey(randomBytes(32)));
    const [sealed] = await codec.encode([payload()]);
    expect(Buffer.from(sealed!.data!).toString('latin1')).not.toContain('secret garden');
    expect(Buffer.from(sealed!.metadata!.encoding!).toString()).toBe('binary/encrypted');
    expect(Buffer.from(sealed!.metadata!['encryption-key-id']!).toString()).toMatch(/^[0-9a-f]{16}$/);
    const [opened] = await codec.decode([sealed!]);
    expect(defaultPayloadConverter.fromPayload(opened!)).toEqual({ text: phrase });
    const [plain] = await codec.decode([payload()]);
    expect(defaultPayloadConverter.fromPayload(plain!)).toEqual({ text: phrase });
  });

  it('says which key is missing, or that a payload was altered, instead of giving garbage', async () => {
    const [sealed] = await new HistoryCodec(historyKey(randomBytes(32))).encode([payload()]);
    const other = new HistoryCodec(historyKey(randomBytes(32)));
    await expect(other.decode([sealed!])).rejects.toThrow(/encrypted with the key [0-9a-f]{16}, which this install does not have \(secrets\/history-key/);
    const key = historyKey(randomBytes(32));
    const codec = new HistoryCodec(key);
    const [mine] = await codec.encode([payload()]);
    const tampered = Buffer.from(mine!.data!);
    tampered[20] = tampered[20]! ^ 1;
    await expect(codec.decode([{ ...mine!, data: tampered }])).rejects.toThrow(/does not open with that key: it was damaged or altered/);
  });

  it('rotates: new payloads get the new key, the retired one still opens the old', async () => {
    const before = historyKeys(home).current;
    const [old] = await new HistoryCodec(before).encode([payload()]);
    const rotated = rotateHistoryKey(home);
    expect(rotated.retired).toBe(before.id);
    expect(rotated.current).not.toBe(before.id);
    expect(readdirSync(join(home, 'secrets', 'history-keys'))).toEqual([before.id]);
    const { current, retired } = historyKeys(home);
    const [opened] = await new HistoryCodec(current, retired).decode([old!]);
    expect(defaultPayloadConverter.fromPayload(opened!)).toEqual({ text: phrase });
  });

  it("decodes for a caller holding the install's key only (bearer or the cookie its link gives), from the UI's origin only, as JSON", async () => {
    const codec = new HistoryCodec(historyKey(randomBytes(32)));
    const key = 'a-web-ui-key-of-this-install-0123456789';
    const server = await startCodecServer({
      host: '127.0.0.1',
      port: 0,
      codec,
      key,
      allowedOrigins: ['http://localhost:8233', 'https://cloud.temporal.io'],
      logger: pino({ level: 'silent' }),
    });
    try {
      const [sealed] = await codec.encode([payload()]);
      const wire = JSON.stringify({
        payloads: [
          {
            metadata: Object.fromEntries(Object.entries(sealed!.metadata!).map(([k, v]) => [k, Buffer.from(v!).toString('base64')])),
            data: Buffer.from(sealed!.data!).toString('base64'),
          },
        ],
      });
      const post = (headers: Record<string, string>) =>
        rawRequest(`${server.url}/decode`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: wire });
      const opened = (body: string) => Buffer.from((JSON.parse(body) as { payloads: Array<{ data: string }> }).payloads[0]!.data, 'base64').toString();

      // Without the key, or with another one: nothing is opened (a curl from any local user, any page).
      for (const headers of [{}, { authorization: 'Bearer wrong' }, { cookie: `clawflow_codec_${new URL(server.url).port}=forged` }] as Array<
        Record<string, string>
      >) {
        const refused = await post(headers);
        expect(refused.status, JSON.stringify(headers)).toBe(401);
        expect(refused.body).not.toContain(phrase);
      }
      // The temporal CLI's way: --codec-auth "Bearer <key>".
      const bearer = await post({ authorization: `Bearer ${key}` });
      expect(bearer.status).toBe(200);
      expect(opened(bearer.body)).toContain(phrase);
      // A browser's way: the link gives a cookie, which the UI's cross-origin calls carry.
      const link = await rawRequest(server.openUrl);
      const cookie = String(link.headers['set-cookie']).split(';')[0]!;
      expect(String(link.headers['set-cookie'])).toMatch(/HttpOnly; Secure; SameSite=None/);
      expect(cookie).not.toContain(key);
      expect((await rawRequest(`${server.url}/?token=wrong`)).status).toBe(401);
      const fromUi = await post({ cookie, origin: 'http://localhost:8233' });
      expect(fromUi.status).toBe(200);
      expect(fromUi.headers['access-control-allow-origin']).toBe('http://localhost:8233');
      expect(fromUi.headers['access-control-allow-credentials']).toBe('true');
      expect(opened(fromUi.body)).toContain(phrase);

      const foreign = await post({ cookie, origin: 'https://evil.example' });
      expect(foreign.status).toBe(403);
      const preflight = await rawRequest(`${server.url}/decode`, {
        method: 'OPTIONS',
        headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' },
      });
      expect(preflight.headers['access-control-allow-origin']).toBeUndefined();
      // The Temporal Cloud UI, a public page, asks before it reaches a loopback server (Private Network Access).
      const privateNetwork = (origin: string) =>
        rawRequest(`${server.url}/decode`, {
          method: 'OPTIONS',
          headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-private-network': 'true' },
        });
      const cloud = await privateNetwork('https://cloud.temporal.io');
      expect(cloud.headers['access-control-allow-origin']).toBe('https://cloud.temporal.io');
      expect(cloud.headers['access-control-allow-private-network']).toBe('true');
      expect((await privateNetwork('https://evil.example')).headers['access-control-allow-private-network']).toBeUndefined();
      expect(
        (await rawRequest(`${server.url}/decode`, { method: 'POST', headers: { 'content-type': 'text/plain', authorization: `Bearer ${key}` }, body: 'x' }))
          .status,
      ).toBe(415);
      expect(
        (
          await rawRequest(`${server.url}/decode`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
            body: '{"payloads": 3}',
          })
        ).status,
      ).toBe(400);
    } finally {
      await server.close();
    }
  });
});
