import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import { z } from 'zod';
import type { Logger } from '../logger.js';
import type { ReplyRoute, TranscriptEntry } from '../workflows/messages.js';
import type { ChannelAdapter, ChannelMessage, ChannelStatus } from './channel.js';
import { webChatPage } from './webchat-page.js';

export interface WebChatOptions {
  host: string;
  port: number;
  logger: Logger;
  /** The conversation so far of one browser's session, for the page to show on (re)load. */
  history(chat: string): Promise<TranscriptEntry[]>;
}

const userIdSchema = z.string().regex(/^[A-Za-z0-9-]{8,64}$/, 'user must be 8-64 letters, digits or dashes');
const clientMessageSchema = z.object({ type: z.literal('message'), id: z.string().min(1).max(100), text: z.string().trim().min(1).max(100_000) }).strict();
const deltaSchema = z.object({ chat: z.string(), turn: z.number().int(), text: z.string() }).strict();

/**
 * The WebChat: a page on localhost and a WebSocket per browser tab. Each browser (its id kept in localStorage) has its
 * own session; a message is confirmed to the page only once its session has it; replies stream in as written.
 */
export class WebChatAdapter implements ChannelAdapter {
  readonly channel = 'webchat';
  readonly messageLimit = 100_000;
  private server: Server | undefined;
  private readonly sockets = new Map<string, Set<WebSocket>>();
  private current: ChannelStatus = { channel: 'webchat', state: 'starting' };
  /** A notice every open page shows (the WhatsApp QR code while a device waits to be linked). */
  private notice: { title: string; svg: string } | null = null;

  constructor(private readonly options: WebChatOptions) {}

  get url(): string {
    return `http://${this.options.host}:${(this.server!.address() as AddressInfo).port}`;
  }

  status(): ChannelStatus {
    return { ...this.current };
  }

  async start(onMessage: (message: ChannelMessage) => Promise<void>): Promise<void> {
    this.server = createServer((req, res) => void this.route(req, res));
    const wss = new WebSocketServer({ server: this.server, path: '/ws' });
    wss.on('connection', (socket, req) => void this.connect(socket, req, onMessage));
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(this.options.port, this.options.host, resolve);
    });
    this.current = { channel: 'webchat', state: 'connected', detail: this.url };
  }

  async stop(): Promise<void> {
    for (const set of this.sockets.values()) for (const socket of set) socket.close(1001, 'server stopping');
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
    this.current = { ...this.current, state: 'stopped' };
  }

  /** Shows a QR code (or clears it with null) on every open page and on pages opened later. */
  showNotice(notice: { title: string; svg: string } | null): void {
    this.notice = notice;
    const event = JSON.stringify({ type: 'notice', notice });
    for (const set of this.sockets.values()) for (const socket of set) socket.send(event);
  }

  send(route: ReplyRoute, text: string): Promise<void> {
    this.broadcast(route.chat, { type: 'reply', text });
    return Promise.resolve();
  }

  typing(route: ReplyRoute): Promise<void> {
    this.broadcast(route.chat, { type: 'typing' });
    return Promise.resolve();
  }

  private broadcast(chat: string, event: unknown): void {
    const text = JSON.stringify(event);
    for (const socket of this.sockets.get(chat) ?? []) socket.send(text);
  }

  private async route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method === 'GET' && path === '/') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' }).end(webChatPage);
      return;
    }
    if (req.method === 'POST' && path === '/internal/delta') {
      const chunks: Buffer[] = [];
      for await (const chunk of req as AsyncIterable<Buffer>) chunks.push(chunk);
      const delta = deltaSchema.safeParse(JSON.parse(Buffer.concat(chunks).toString('utf8') || 'null'));
      if (!delta.success) return void res.writeHead(400).end();
      this.broadcast(delta.data.chat, { type: 'delta', turn: delta.data.turn, text: delta.data.text });
      return void res.writeHead(204).end();
    }
    res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
  }

  private async connect(socket: WebSocket, req: IncomingMessage, onMessage: (message: ChannelMessage) => Promise<void>): Promise<void> {
    const user = userIdSchema.safeParse(new URL(req.url ?? '/', 'http://webchat').searchParams.get('user'));
    if (!user.success) return socket.close(1008, user.error.issues[0]!.message);
    const chat = user.data;
    const set = this.sockets.get(chat) ?? new Set();
    set.add(socket);
    this.sockets.set(chat, set);
    socket.on('close', () => set.delete(socket));
    socket.on('message', (data) => {
      const parsed = clientMessageSchema.safeParse(JSON.parse(String(data)));
      if (!parsed.success) return socket.send(JSON.stringify({ type: 'error', message: parsed.error.issues.map((i) => i.message).join('; ') }));
      const { id, text } = parsed.data;
      onMessage({
        channel: 'webchat',
        account: 'local',
        chat,
        chatType: 'direct',
        sender: { id: chat },
        messageId: id,
        text,
        attachments: [],
        addressedToBot: true,
        sentAt: new Date().toISOString(),
      }).then(
        () => socket.send(JSON.stringify({ type: 'accepted', id })),
        (error: Error) => socket.send(JSON.stringify({ type: 'error', id, message: `not delivered: ${error.message}` })),
      );
      this.current = { ...this.current, lastEventAt: new Date().toISOString() };
    });
    const entries = await this.options.history(chat).catch((error: Error) => {
      this.options.logger.warn({ err: error.message, chat }, 'could not load a WebChat history');
      return [];
    });
    socket.send(JSON.stringify({ type: 'history', entries: entries.map((e) => ({ role: e.role, text: e.text, at: e.at })) }));
    if (this.notice) socket.send(JSON.stringify({ type: 'notice', notice: this.notice }));
  }
}
