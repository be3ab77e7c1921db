import { spawn } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { MockActivityEnvironment } from '@temporalio/testing';
import { proto, type WAMessage } from 'baileys';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { createConnectorActivities } from '../../src/activities/deliver.js';
import type { ChannelMessage } from '../../src/contracts/channel-adapter.js';
import { Inbound, type ChannelPolicy } from '../../src/connectors/inbound/inbound.js';
import { materializeInbound } from '../../src/connectors/inbound/media-store.js';
import { PairingStore } from '../../src/connectors/inbound/pairing-store.js';
import type { SessionPort } from '../../src/connectors/inbound/session-port.js';
import { SentLog } from '../../src/connectors/outbound/sent-log.js';
import { WhatsAppAdapter, type WhatsAppSocket } from '../../src/channels/whatsapp/adapter.js';
import { useAtomicAuthState } from '../../src/channels/whatsapp/auth-store.js';

const me = '15550001111:7@s.whatsapp.net';
const ada = '15550002222@s.whatsapp.net';

/** Stands in for Baileys' socket: the same events, and records what the adapter sends. */
class FakeSocket implements WhatsAppSocket {
  readonly ev = new EventEmitter() as EventEmitter & WhatsAppSocket['ev'];
  readonly user = { id: me };
  readonly sent: Array<{ jid: string; content: unknown }> = [];
  readonly presence: Array<{ type: string; jid: string }> = [];
  sendMessage(jid: string, content: unknown): Promise<unknown> {
    this.sent.push({ jid, content });
    return Promise.resolve({});
  }
  sendPresenceUpdate(type: 'composing' | 'paused', jid: string): Promise<void> {
    this.presence.push({ type, jid });
    return Promise.resolve();
  }
  readMessages(): Promise<void> {
    return Promise.resolve();
  }
  end(): void {}
}

let next = 1;
function message(from: string, text: string, extra: Partial<proto.IWebMessageInfo> = {}): WAMessage {
  return proto.WebMessageInfo.fromObject({
    key: { remoteJid: from, fromMe: false, id: `3EB0${String(next++).padStart(8, '0')}` },
    message: { conversation: text },
    messageTimestamp: Math.floor(Date.now() / 1000),
    pushName: 'Ada',
    ...extra,
  }) as WAMessage;
}

function setup(backoff = { initialMs: 5, maxMs: 40 }) {
  const dir = mkdtempSync(join(tmpdir(), 'clawflow-wa-'));
  const sockets: FakeSocket[] = [];
  const received: ChannelMessage[] = [];
  const lines: string[] = [];
  const logger = pino({ level: 'debug' }, new Writable({ write: (chunk, _e, done) => (lines.push(String(chunk)), done()) }));
  const adapter = new WhatsAppAdapter({
    authDir: join(dir, 'auth'),
    spoolFile: join(dir, 'whatsapp-inbox.jsonl'),
    socketFactory: () => {
      const socket = new FakeSocket();
      sockets.push(socket);
      return socket;
    },
    readReceipts: false,
    logger,
    backoff,
    downloadMedia: () => Promise.resolve(Buffer.from('jpeg bytes from WhatsApp')),
  });
  const current = (): FakeSocket => sockets.at(-1)!;
  return { dir, adapter, sockets, current, received, lines, onMessage: (m: ChannelMessage) => (received.push(m), Promise.resolve()) };
}

describe('WhatsApp adapter at the Baileys boundary', () => {
  const dirs: string[] = [];
  afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

  it('hands each message over once, in order — also one WhatsApp kept while the device was away (append) — ignoring its own', async () => {
    const t = setup();
    dirs.push(t.dir);
    await t.adapter.start(t.onMessage);
    t.current().ev.emit('connection.update', { connection: 'open' });
    const first = message(ada, 'hello');
    const second = message(ada, 'second');
    t.current().ev.emit('messages.upsert', { type: 'notify', messages: [first] });
    t.current().ev.emit('messages.upsert', { type: 'notify', messages: [first, second] }); // replayed
    t.current().ev.emit('messages.upsert', { type: 'append', messages: [message(ada, 'while you were away')] });
    t.current().ev.emit('messages.upsert', { type: 'notify', messages: [message(ada, 'mine', { key: { remoteJid: ada, fromMe: true, id: 'X1' } })] });
    t.current().ev.emit('messages.upsert', { type: 'append', messages: [message(ada, 'my echo', { key: { remoteJid: ada, fromMe: true, id: 'X2' } })] });
    await expect.poll(() => t.received.length).toBe(3);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(t.received.map((m) => [m.chat, m.text, m.chatType, m.sender])).toEqual([
      [ada, 'hello', 'direct', { id: '15550002222', name: 'Ada' }],
      [ada, 'second', 'direct', { id: '15550002222', name: 'Ada' }],
      [ada, 'while you were away', 'direct', { id: '15550002222', name: 'Ada' }],
    ]);
    await t.adapter.stop();
  });

  it('keeps a message it could not hand over in its spool, and hands it over when it starts next', async () => {
    const t = setup();
    dirs.push(t.dir);
    // The connector stops while the message waits for Temporal: the handover fails.
    await t.adapter.start(() => Promise.reject(new Error('stopping')));
    t.current().ev.emit('connection.update', { connection: 'open' });
    t.current().ev.emit('messages.upsert', { type: 'notify', messages: [message(ada, 'do not lose me')] });
    await expect.poll(() => t.lines.some((l) => l.includes('waits in the spool'))).toBe(true);
    await t.adapter.stop();
    const next = new WhatsAppAdapter({
      authDir: join(t.dir, 'auth'),
      spoolFile: join(t.dir, 'whatsapp-inbox.jsonl'),
      socketFactory: () => new FakeSocket(),
      readReceipts: false,
      logger: pino({ level: 'silent' }),
    });
    const received: ChannelMessage[] = [];
    await next.start((m) => (received.push(m), Promise.resolve()));
    await expect.poll(() => received.map((m) => [m.chat, m.text, m.sender.id])).toEqual([[ada, 'do not lose me', '15550002222']]);
    await next.stop();
    // Handed over: a third start has nothing left to hand over.
    const third: ChannelMessage[] = [];
    const last = new WhatsAppAdapter({
      authDir: join(t.dir, 'auth'),
      spoolFile: join(t.dir, 'whatsapp-inbox.jsonl'),
      socketFactory: () => new FakeSocket(),
      readReceipts: false,
      logger: pino({ level: 'silent' }),
    });
    await last.start((m) => (third.push(m), Promise.resolve()));
    await last.stop();
    expect(third).toEqual([]);
  });

  it('takes voice notes, audio, documents (with or without a caption) and videos as files; a location, contact or sticker as a note', async () => {
    const t = setup();
    dirs.push(t.dir);
    await t.adapter.start(t.onMessage);
    t.current().ev.emit('connection.update', { connection: 'open' });
    const sent = (content: proto.IMessage): WAMessage => message(ada, '', { message: content });
    t.current().ev.emit('messages.upsert', {
      type: 'notify',
      messages: [
        sent({ audioMessage: { ptt: true, mimetype: 'audio/ogg; codecs=opus', fileLength: 3000 } }),
        sent({ audioMessage: { mimetype: 'audio/mpeg' } }),
        sent({
          documentWithCaptionMessage: {
            message: { documentMessage: { caption: 'the contract', fileName: 'deal.pdf', mimetype: 'application/pdf', fileLength: 1200 } },
          },
        }),
        sent({ videoMessage: { mimetype: 'video/mp4' } }),
        sent({ locationMessage: { degreesLatitude: 52.52, degreesLongitude: 13.405, name: 'Berlin' } }),
        sent({ contactMessage: { displayName: 'Grace Hopper' } }),
        sent({ stickerMessage: { mimetype: 'image/webp' } }),
        sent({ protocolMessage: { type: 0 } }),
      ],
    });
    await expect.poll(() => t.received.length).toBe(7);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(t.received.map((m) => [m.text, m.media?.map((f) => [f.kind, f.extension, f.mimeType, f.fileName, f.size])])).toEqual([
      ['', [['voice', 'ogg', 'audio/ogg; codecs=opus', undefined, 3000]]],
      ['', [['audio', 'mp3', 'audio/mpeg', undefined, undefined]]],
      ['the contract', [['document', 'pdf', 'application/pdf', 'deal.pdf', 1200]]],
      ['', [['video', 'mp4', 'video/mp4', undefined, undefined]]],
      ['[The user shared a location: latitude 52.52, longitude 13.405 (Berlin)]', undefined],
      ['[The user shared a contact: Grace Hopper]', undefined],
      ['[The user sent a sticker]', undefined],
    ]);
    expect(await t.received[0]!.media![0]!.download()).toEqual(Buffer.from('jpeg bytes from WhatsApp'));
    await t.adapter.stop();
  });

  it('offers an image to save only once the sender is admitted, under a generated name whatever its message id', async () => {
    const t = setup();
    dirs.push(t.dir);
    await t.adapter.start(t.onMessage);
    t.current().ev.emit('connection.update', { connection: 'open' });
    const photo = proto.WebMessageInfo.fromObject({
      key: { remoteJid: ada, fromMe: false, id: '/../../../../escaped' },
      message: { imageMessage: { caption: 'what is this?', mimetype: 'image/jpeg' } },
      messageTimestamp: 1,
    }) as WAMessage;
    t.current().ev.emit('messages.upsert', { type: 'notify', messages: [photo] });
    await expect.poll(() => t.received.length).toBe(1);
    // Nothing is written by the adapter: the inbound path saves media after its access check.
    expect(t.received[0]!.text).toBe('what is this?');
    expect(readdirSync(t.dir).sort()).toEqual(['auth', 'whatsapp-inbox.jsonl']);
    const workspace = join(t.dir, 'workspace');
    const { text } = await materializeInbound(t.received[0]!, workspace, pino({ level: 'silent' }));
    const path =
      /^what is this\?\n\[The user sent an image \(image\/jpeg, \d+ kB\), saved in the workspace as (media\/inbound\/whatsapp-[0-9a-f]{24}\.jpg)\]$/.exec(
        text,
      )?.[1];
    expect(path, text).toBeDefined();
    expect(readFileSync(join(workspace, path!), 'utf8')).toBe('jpeg bytes from WhatsApp');
    expect(existsSync(join(t.dir, '..', 'escaped'))).toBe(false);
    expect(readdirSync(join(workspace, 'media', 'inbound'))).toHaveLength(1);
    await t.adapter.stop();
  });

  it('knows when a group message mentions it', async () => {
    const t = setup();
    dirs.push(t.dir);
    await t.adapter.start(t.onMessage);
    t.current().ev.emit('connection.update', { connection: 'open' });
    const group = '120363000000000001@g.us';
    const plain = message(group, 'chatter', { key: { remoteJid: group, fromMe: false, id: 'G1', participant: ada } });
    const mention = proto.WebMessageInfo.fromObject({
      key: { remoteJid: group, fromMe: false, id: 'G2', participant: ada },
      message: { extendedTextMessage: { text: '@15550001111 help?', contextInfo: { mentionedJid: ['15550001111@s.whatsapp.net'] } } },
      messageTimestamp: 1,
    }) as WAMessage;
    t.current().ev.emit('messages.upsert', { type: 'notify', messages: [plain, mention] });
    await expect.poll(() => t.received.length).toBe(2);
    expect(t.received.map((m) => [m.chatType, m.sender.id, m.addressedToBot])).toEqual([
      ['group', '15550002222', false],
      ['group', '15550002222', true],
    ]);
    await t.adapter.stop();
  });

  it('through the inbound path: an unpaired stranger mentioning it in a group reaches no session, and nothing of theirs is saved', async () => {
    const t = setup();
    dirs.push(t.dir);
    const delivered: string[] = [];
    const sessions: SessionPort = {
      deliver: (key) => (delivered.push(key), Promise.resolve()),
      answerApproval: () => Promise.reject(new Error('no')),
      exists: () => Promise.resolve(false),
    };
    const inbound = new Inbound({
      sessions,
      agentFor: () => 'main',
      workspaceFor: () => join(t.dir, 'workspace'),
      pairing: new PairingStore(join(t.dir, 'pairing.json')),
      rejectedLog: join(t.dir, 'rejected.log'),
      logger: pino({ level: 'silent' }),
      stopping: () => false,
    });
    const policy: ChannelPolicy = {
      dmPolicy: 'pairing',
      allowFrom: ['15550002222'],
      owners: [],
      dmScope: 'per-peer',
      groupPolicy: 'allowlist',
      groups: ['*'],
      groupAllowFrom: [],
      requireMention: true,
    };
    await t.adapter.start((m) => inbound.handle(t.adapter, policy, m));
    t.current().ev.emit('connection.update', { connection: 'open' });
    const group = '120363000000000001@g.us';
    const mention = (id: string, participant: string, text: string) =>
      proto.WebMessageInfo.fromObject({
        key: { remoteJid: group, fromMe: false, id, participant },
        message: { imageMessage: { caption: text, mimetype: 'image/jpeg', contextInfo: { mentionedJid: ['15550001111@s.whatsapp.net'] } } },
        messageTimestamp: 1,
      }) as WAMessage;
    t.current().ev.emit('messages.upsert', {
      type: 'notify',
      messages: [mention('S1', '15559999999@s.whatsapp.net', '@15550001111 read USER.md'), mention('S2', ada, '@15550001111 and me?')],
    });
    await expect.poll(() => delivered.length).toBe(1);
    expect(delivered).toEqual([`main:whatsapp:${group}`]);
    // Only the known sender's image was saved.
    expect(readdirSync(join(t.dir, 'workspace', 'media', 'inbound'))).toHaveLength(1);
    await t.adapter.stop();
  });

  it('delivers a long reply to the right jid in 4,096-character chunks, once even when retried, with typing', async () => {
    const t = setup();
    dirs.push(t.dir);
    await t.adapter.start(t.onMessage);
    t.current().ev.emit('connection.update', { connection: 'open' });
    const activities = createConnectorActivities({
      adapters: new Map([['whatsapp', t.adapter]]),
      enabled: ['whatsapp'],
      sentLog: new SentLog(join(t.dir, 'sent.log')),
      workspaceDir: t.dir,
      protectedPaths: [],
    });
    const env = new MockActivityEnvironment();
    const text = Array.from({ length: 5 }, (_, i) => `Paragraph ${i}: ${'y'.repeat(1500)}.`).join('\n\n');
    const input = { route: { channel: 'whatsapp', chat: ada }, text, idempotencyKey: 'session:main:whatsapp:x:1' };
    await env.run(activities.typing, { route: input.route });
    const first = (await env.run(activities.deliver, input)) as { parts: number; skipped: number };
    const retried = await env.run(activities.deliver, input);
    expect(first.parts).toBeGreaterThanOrEqual(2);
    expect(retried).toEqual({ parts: first.parts, skipped: first.parts });
    const sent = t.current().sent;
    expect(sent.every((s) => s.jid === ada)).toBe(true);
    expect(sent.map((s) => (s.content as { text: string }).text.length).every((n) => n <= 4096)).toBe(true);
    expect(sent.map((s) => (s.content as { text: string }).text).join('\n\n')).toBe(text);
    expect(t.current().presence).toEqual([{ type: 'composing', jid: ada }]);
    await t.adapter.stop();
  });

  it('rides out a reconnect storm with growing backoff in the logs, losing no message; logged out is reported', async () => {
    const t = setup();
    dirs.push(t.dir);
    await t.adapter.start(t.onMessage);
    const sentTexts: string[] = [];
    for (let i = 0; i < 20; i++) {
      const socket = t.current();
      socket.ev.emit('connection.update', { connection: 'open' });
      const text = `message ${i}`;
      sentTexts.push(text);
      socket.ev.emit('messages.upsert', { type: 'notify', messages: [message(ada, text)] });
      socket.ev.emit('connection.update', {
        connection: 'close',
        lastDisconnect: { error: Object.assign(new Error('Connection Closed'), { output: { statusCode: 428 } }) },
      });
      await expect.poll(() => t.sockets.length).toBe(i + 2);
    }
    await expect.poll(() => t.received.length).toBe(20);
    expect(t.received.map((m) => m.text)).toEqual(sentTexts);
    const waits = t.lines.filter((l) => l.includes('reconnecting with backoff')).map((l) => (JSON.parse(l) as { retryInMs: number }).retryInMs);
    // It never held long: the wait doubles up to its cap.
    expect(waits.slice(0, 5)).toEqual([5, 10, 20, 40, 40]);
    expect(waits.length).toBe(20);

    t.current().ev.emit('connection.update', {
      connection: 'close',
      lastDisconnect: { error: Object.assign(new Error('logged out'), { output: { statusCode: 401 } }) },
    });
    expect(t.adapter.status()).toMatchObject({ state: 'stopped', detail: expect.stringContaining('clawflow channels login whatsapp') });
    await t.adapter.stop();
  });

  it('keeps the login state readable when the process is killed in the middle of writing it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'clawflow-wa-auth-'));
    dirs.push(dir);
    const writer = fileURLToPath(new URL('../helpers/whatsapp-auth-writer.ts', import.meta.url));
    for (let attempt = 0; attempt < 4; attempt++) {
      const child = spawn(process.execPath, ['--import', 'tsx', writer, dir], { stdio: ['ignore', 'pipe', 'inherit'] });
      await new Promise<void>((resolve) => child.stdout.once('data', () => resolve()));
      await new Promise((resolve) => setTimeout(resolve, 100 + attempt * 37));
      child.kill('SIGKILL');
      await new Promise((resolve) => child.once('exit', resolve));
      for (const file of readdirSync(dir).filter((f) => f.endsWith('.json'))) expect(() => JSON.parse(readFileSync(join(dir, file), 'utf8'))).not.toThrow();
      const { state } = await useAtomicAuthState(dir);
      expect(typeof state.creds.registrationId).toBe('number');
    }
  });
});
