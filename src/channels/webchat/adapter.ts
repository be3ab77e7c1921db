import { cookieOf } from '../../http/cookies.js';
import { createHmac, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import { z } from 'zod';
import { drain, guardRequest, type GuardPolicy, type Refusal } from '../../http/request-guard.js';
import type { Logger } from '../../logger.js';
import type { ReplyRoute, TranscriptEntry } from '../../contracts/session-records.js';
import type { ApprovalRequest } from '../../workflows/messages.js';
import { mediaKind, safeExtension } from '../../connectors/inbound/media-download.js';
import { type ChannelAdapter, type ChannelMessage, type ChannelStatus, type InboundMedia } from '../../contracts/channel-adapter.js';
import { readInternalPost } from '../../http/internal-token.js';
import { sameSecret } from '../../http/same-secret.js';
import { markdownRendererFile, pageHeaders, webChatPage, webChatLockedPage } from './page.js';
import { describeZodError } from '../../contracts/zod-issues.js';

export interface WebChatOptions {
  host: string;
  port: number;
  logger: Logger;
  /** The install's WebChat key: the URL `npm start` prints carries it; whoever opens that URL gets a browser cookie. */
  secret: string;
  /** What the agent worker sends with the streamed text of a reply (`POST /internal/delta`). */
  internalToken: string;
  /** Pages of other origins allowed to open the chat socket (the WebChat's own origin always is). */
  allowedOrigins: readonly string[];
  /** Host names answered besides loopback (behind a reverse proxy). */
  allowedHosts: readonly string[];
  /**
   * The conversation so far of one browser's session, for the page to show on (re)load: what was answered, the
   * messages (by the page's ids) taken and not yet answered, and the approvals it waits for.
   */
  conversation(chat: string): Promise<{ entries: TranscriptEntry[]; unanswered: Array<{ id: string; text: string }>; approvals: ApprovalRequest[] }>;
  /** The approvals one browser's session waits for now (the session's own state, not what a message says). */
  approvals(chat: string): Promise<ApprovalRequest[]>;
  /** The largest file a page may send with a message (media.maxBytes). */
  maxUploadBytes: number;
}

const cookieName = 'clawflow_webchat';
/** A frame without files: one message of at most 100,000 characters, with room for JSON escaping. */
const maxTextFrameBytes = 1024 * 1024;
const maxDeltaBytes = 256 * 1024;
/** Files one message may carry. */
const maxFilesPerMessage = 8;

const uploadSchema = z
  .object({
    /** The name the user's file had: shown to the agent, never used on disk. */
    name: z.string().max(255),
    type: z.string().max(200),
    /** The file's bytes, base64-encoded. */
    data: z.base64(),
  })
  .strict();
const clientMessageSchema = z
  .object({
    type: z.literal('message'),
    id: z.string().min(1).max(100),
    text: z.string().trim().max(100_000),
    files: z.array(uploadSchema).max(maxFilesPerMessage).optional(),
  })
  .strict()
  .refine((m) => m.text.length > 0 || (m.files?.length ?? 0) > 0, { message: 'a message needs text or a file', path: ['text'] });
const deltaSchema = z.object({ chat: z.string().min(1).max(256), turn: z.number().int(), text: z.string().max(maxDeltaBytes) }).strict();

/** What the page needs to show an approval request as a card with its three buttons. */
function approvalEvent(request: ApprovalRequest) {
  return {
    type: 'approval',
    id: request.requestId,
    tool: request.tool,
    subject: request.subject,
    expiresAt: request.expiresAt,
    ...(request.ownerOnly ? { ownerOnly: true } : {}),
  };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/**
 * The WebChat: a page on localhost and a WebSocket per browser tab. Only a browser that opened the URL with the
 * install's key (it then holds a signed cookie naming its own conversation) and only from the WebChat's own origin
 * can talk to it: a web page elsewhere cannot open the socket, and a browser cannot pick another's conversation. A
 * message is confirmed to the page once its session has it; replies stream in as written.
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

  /** The URL to open: it carries the key, which the page trades for a cookie at once. */
  get openUrl(): string {
    return `${this.url}/?token=${encodeURIComponent(this.options.secret)}`;
  }

  status(): ChannelStatus {
    return { ...this.current };
  }

  async start(onMessage: (message: ChannelMessage) => Promise<void>): Promise<void> {
    this.server = createServer((req, res) => {
      this.route(req, res).catch((error: unknown) => {
        this.options.logger.warn({ err: (error as Error).message }, 'a WebChat request failed');
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' }).end('internal error');
        else res.destroy();
      });
    });
    // Files come base64-encoded inside the message frame: up to maxUploadBytes together, a third larger as text.
    const wss = new WebSocketServer({ noServer: true, maxPayload: maxTextFrameBytes + Math.ceil((this.options.maxUploadBytes * 4) / 3) });
    this.server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
      socket.on('error', () => undefined);
      const chat = this.admitSocket(req);
      if (typeof chat !== 'string') {
        socket.end(`HTTP/1.1 ${chat.status} ${chat.code}\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\n${chat.message}`);
        return;
      }
      wss.handleUpgrade(req, socket, head, (ws) => void this.connect(ws, chat, onMessage));
    });
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

  send(route: ReplyRoute, text: string, key?: string): Promise<void> {
    // The part's key goes along: the page shows a part once, however many times a retried delivery sends it.
    this.broadcast(route.chat, { type: 'reply', text, ...(key ? { id: key } : {}) });
    return Promise.resolve();
  }

  typing(route: ReplyRoute): Promise<void> {
    this.broadcast(route.chat, { type: 'typing' });
    return Promise.resolve();
  }

  /**
   * An approval request as buttons. What the card says comes from the session's own pending requests, never from the
   * message; one no longer pending (answered or expired meanwhile, or the session unreadable) goes out as its words.
   */
  async sendApproval(route: ReplyRoute, text: string, requestId: string): Promise<void> {
    const pending = await this.options.approvals(route.chat).catch((error: Error) => {
      this.options.logger.warn({ err: error.message }, 'could not read the approvals a WebChat session waits for; the request goes out as text');
      return [];
    });
    const request = pending.find((r) => r.requestId === requestId);
    this.broadcast(route.chat, request ? approvalEvent(request) : { type: 'reply', text });
  }

  private broadcast(chat: string, event: unknown): void {
    const text = JSON.stringify(event);
    for (const socket of this.sockets.get(chat) ?? []) socket.send(text);
  }

  private policy(): GuardPolicy {
    return { port: (this.server!.address() as AddressInfo).port, allowedHosts: this.options.allowedHosts, allowedOrigins: this.options.allowedOrigins };
  }

  private signature(browser: string): string {
    return createHmac('sha256', this.options.secret).update(`webchat-browser:${browser}`).digest('base64url');
  }

  /** The browser's own conversation id, from its signed cookie; null without a valid one. */
  private browserOf(req: IncomingMessage): string | null {
    const [browser, signature] = (cookieOf(req, cookieName) ?? '').split('.', 2);
    return browser && signature && /^[a-f0-9]{32}$/.test(browser) && sameSecret(signature, this.signature(browser)) ? browser : null;
  }

  /** The chat a socket may join, or why it may not: checked before the upgrade, so nothing of a refused one is read. */
  private admitSocket(req: IncomingMessage): string | Refusal {
    const path = (req.url ?? '/').split('?')[0];
    if (path !== '/ws') return { status: 404, code: 'Not Found', message: 'no WebSocket here' };
    const refused = guardRequest(req, this.policy());
    if (refused) return { ...refused, code: refused.status === 421 ? 'Misdirected Request' : 'Forbidden' };
    // Browsers always say where a socket comes from: one that does not is not the WebChat page.
    if (!req.headers.origin) return { status: 403, code: 'Forbidden', message: 'a WebSocket without an Origin is refused' };
    const browser = this.browserOf(req);
    if (!browser) return { status: 401, code: 'Unauthorized', message: 'open the WebChat with the link `npm start` printed' };
    return browser;
  }

  private async route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://webchat');
    if (req.method === 'POST' && url.pathname === '/internal/delta') return this.delta(req, res);
    const refused = guardRequest(req, this.policy());
    if (refused) {
      drain(req);
      return void res.writeHead(refused.status, { 'content-type': 'text/plain' }).end(refused.message);
    }
    if (req.method === 'GET' && url.pathname === '/') {
      const token = url.searchParams.get('token');
      const nonce = randomBytes(16).toString('base64');
      const headers = pageHeaders(nonce);
      if (token !== null) {
        if (!sameSecret(token, this.options.secret))
          return void res.writeHead(401, headers).end(webChatLockedPage('That link carries the wrong key: it is not this install’s.'));
        // The key becomes a cookie for this browser (its own conversation id, signed), and leaves the address bar.
        const browser = this.browserOf(req) ?? randomBytes(16).toString('hex');
        const cookie = `${cookieName}=${browser}.${this.signature(browser)}; HttpOnly; SameSite=Strict; Path=/; Max-Age=${400 * 86_400}`;
        return void res.writeHead(303, { location: '/', 'set-cookie': cookie, 'cache-control': 'no-store', 'referrer-policy': 'no-referrer' }).end();
      }
      if (!this.browserOf(req))
        return void res
          .writeHead(401, headers)
          .end(webChatLockedPage('This page opens with the link ClawFlow printed when it started: it carries this install’s key.'));
      return void res.writeHead(200, headers).end(webChatPage(this.options.maxUploadBytes, nonce));
    }
    // The page's Markdown renderer (markdown-it's browser build), for the browser holding the cookie.
    if (req.method === 'GET' && url.pathname === '/assets/markdown-it.js' && this.browserOf(req)) {
      return void res
        .writeHead(200, { 'content-type': 'text/javascript; charset=utf-8', 'cache-control': 'private, max-age=86400', 'x-content-type-options': 'nosniff' })
        .end(await markdownRendererFile());
    }
    drain(req);
    res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
  }

  /** The text of a reply as the model writes it, from the agent worker on this machine. Never from a browser. */
  private async delta(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const delta = await readInternalPost(req, res, {
      policy: this.policy(),
      internalToken: this.options.internalToken,
      maxBytes: maxDeltaBytes,
      what: 'the delta',
      schema: deltaSchema,
    });
    if (!delta) return;
    this.broadcast(delta.chat, { type: 'delta', turn: delta.turn, text: delta.text });
    res.writeHead(204).end();
  }

  private async connect(socket: WebSocket, chat: string, onMessage: (message: ChannelMessage) => Promise<void>): Promise<void> {
    const set = this.sockets.get(chat) ?? new Set();
    set.add(socket);
    this.sockets.set(chat, set);
    socket.on('error', (error) => this.options.logger.debug({ err: error.message }, 'a WebChat socket failed'));
    socket.on('close', () => {
      set.delete(socket);
      if (set.size === 0 && this.sockets.get(chat) === set) this.sockets.delete(chat);
    });
    socket.on('message', (data: RawData, isBinary: boolean) => this.receive(socket, chat, isBinary ? undefined : String(data), onMessage));
    const { entries, unanswered, approvals } = await this.options.conversation(chat).catch((error: Error) => {
      this.options.logger.warn({ err: error.message, chat }, 'could not load a WebChat history');
      return { entries: [], unanswered: [], approvals: [] };
    });
    if (socket.readyState !== socket.OPEN) return;
    socket.send(
      JSON.stringify({
        type: 'history',
        entries: entries.filter((e) => e.role !== 'summary').map((e) => ({ role: e.role, text: e.text, at: e.at })),
        unanswered,
      }),
    );
    for (const request of approvals) socket.send(JSON.stringify(approvalEvent(request)));
    if (this.notice) socket.send(JSON.stringify({ type: 'notice', notice: this.notice }));
  }

  /** One frame from a page; anything but a well-formed message is answered with an error and changes nothing. */
  private receive(socket: WebSocket, chat: string, text: string | undefined, onMessage: (message: ChannelMessage) => Promise<void>): void {
    const parsed = clientMessageSchema.safeParse(text === undefined ? undefined : parseJson(text));
    if (!parsed.success) {
      const why = text === undefined ? 'binary frames are not messages' : describeZodError(parsed.error, 'frame');
      return socket.send(JSON.stringify({ type: 'error', message: why }));
    }
    const { id, text: body, files = [] } = parsed.data;
    this.current = { ...this.current, lastEventAt: new Date().toISOString() };
    const media = files.map((file): InboundMedia => {
      const bytes = Buffer.from(file.data, 'base64');
      const type = file.type || 'application/octet-stream';
      return {
        kind: mediaKind(type),
        extension: safeExtension(file.name, type),
        mimeType: type,
        ...(file.name ? { fileName: file.name } : {}),
        size: bytes.length,
        download: () => Promise.resolve(bytes),
      };
    });
    onMessage({
      channel: 'webchat',
      account: 'local',
      chat,
      chatType: 'direct',
      sender: { id: chat },
      messageId: id,
      text: body,
      attachments: [],
      ...(media.length ? { media } : {}),
      addressedToBot: true,
      sentAt: new Date().toISOString(),
    }).then(
      () => socket.send(JSON.stringify({ type: 'accepted', id })),
      (error: Error) => socket.send(JSON.stringify({ type: 'error', id, message: `not delivered: ${error.message}` })),
    );
  }
}
