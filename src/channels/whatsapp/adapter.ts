import { readFile } from 'node:fs/promises';
import { DisconnectReason, proto, type AuthenticationState, type WAMessage, type WAMessageKey } from 'baileys';
import { BoundedSet } from '../../contracts/bounded-set.js';
import type { Logger } from '../../logger.js';
import type { ReplyRoute } from '../../contracts/session-records.js';
import { safeExtension } from '../../connectors/inbound/media-download.js';
import { ChannelSendError, type ChannelAdapter, type ChannelMessage, type ChannelStatus, type InboundMedia } from '../../contracts/channel-adapter.js';
import { InboxSpool } from '../../connectors/inbound/inbox-spool.js';
import { useAtomicAuthState } from './auth-store.js';

/** The part of Baileys' socket the adapter uses; a test passes a fake with the same events. */
export interface WhatsAppSocket {
  ev: { on(event: string, listener: (payload: never) => void): void };
  user?: { id: string } | undefined;
  sendMessage(jid: string, content: { text: string } | { image: Buffer }): Promise<unknown>;
  sendPresenceUpdate(type: 'composing' | 'paused', jid: string): Promise<void>;
  readMessages(keys: WAMessageKey[]): Promise<void>;
  end(error: Error | undefined): void;
}

export type WhatsAppSocketFactory = (auth: AuthenticationState) => WhatsAppSocket | Promise<WhatsAppSocket>;

export interface WhatsAppOptions {
  /** Where the login state lives (under the state dir). */
  authDir: string;
  /** Where messages wait, on disk, until their session has them. */
  spoolFile: string;
  socketFactory: WhatsAppSocketFactory;
  readReceipts: boolean;
  logger: Logger;
  /** A QR code to scan with the phone (first login). */
  onQr?: (qr: string) => void;
  /** The device is linked and connected. */
  onLinked?: () => void;
  /** Fetches a media message's bytes (Baileys' downloadMediaMessage by default). */
  downloadMedia?: (message: WAMessage) => Promise<Buffer>;
  /** First and largest wait between reconnects. */
  backoff?: { initialMs: number; maxMs: number };
}

/** WhatsApp's limit we keep to for one message. */
const whatsappMessageLimit = 4096;
const recentIdsKept = 2000;
const stableConnectionMs = 30_000;

type ConnectionUpdate = {
  connection?: 'open' | 'connecting' | 'close';
  qr?: string;
  lastDisconnect?: { error?: Error & { output?: { statusCode?: number } } };
};

type WAContent = NonNullable<WAMessage['message']>;

/** A document, also when it came with a caption (WhatsApp wraps those). */
function documentOf(m: WAContent | null | undefined): WAContent['documentMessage'] {
  return m?.documentMessage ?? m?.documentWithCaptionMessage?.message?.documentMessage;
}

/** The text of a message, from whichever kind it is. */
function textOf(message: WAMessage): string {
  const m = message.message;
  return (m?.conversation ?? m?.extendedTextMessage?.text ?? m?.imageMessage?.caption ?? m?.videoMessage?.caption ?? documentOf(m)?.caption ?? '').trim();
}

/** What the agent is told of the kinds it cannot take as a file: never silence. */
function noteOf(m: WAContent | null | undefined): string | null {
  if (m?.stickerMessage) return '[The user sent a sticker]';
  const place = m?.locationMessage ?? m?.liveLocationMessage;
  if (place)
    return `[The user shared a location: latitude ${place.degreesLatitude ?? '?'}, longitude ${place.degreesLongitude ?? '?'}${m?.locationMessage?.name ? ` (${m.locationMessage.name})` : ''}]`;
  if (m?.contactMessage) return `[The user shared a contact: ${m.contactMessage.displayName ?? 'unnamed'}]`;
  if (m?.contactsArrayMessage) return `[The user shared ${m.contactsArrayMessage.contacts?.length ?? 0} contacts]`;
  const poll = m?.pollCreationMessage ?? m?.pollCreationMessageV3;
  if (poll) return `[The user sent a poll: ${poll.name ?? ''}]`;
  return null;
}

/** A size Baileys reports (a number, or a protobuf Long). */
function sizeOf(length: number | { toNumber(): number } | null | undefined): { size?: number } {
  if (length === null || length === undefined) return {};
  return { size: typeof length === 'number' ? length : length.toNumber() };
}

/**
 * WhatsApp through Baileys (a linked device): login state persisted atomically, reconnect with backoff, messages
 * handed over one at a time and each message id once. Logged out is reported, not retried.
 */
export class WhatsAppAdapter implements ChannelAdapter {
  readonly channel = 'whatsapp';
  readonly messageLimit = whatsappMessageLimit;
  private socket: WhatsAppSocket | null = null;
  private current: ChannelStatus = { channel: 'whatsapp', state: 'starting' };
  private queue: Promise<void> = Promise.resolve();
  private readonly recentIds = new BoundedSet<string>([], recentIdsKept);
  private stopping = false;
  private failures = 0;
  private openedAt = 0;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private onMessage: ((message: ChannelMessage) => Promise<void>) | null = null;
  private readonly spool: InboxSpool<Record<string, unknown>>;

  constructor(private readonly options: WhatsAppOptions) {
    this.spool = new InboxSpool(options.spoolFile);
  }

  status(): ChannelStatus {
    return { ...this.current };
  }

  async start(onMessage: (message: ChannelMessage) => Promise<void>): Promise<void> {
    this.onMessage = onMessage;
    await this.connect();
    // What a stopped (or killed) connector took in and had not handed over yet, first.
    for (const { key, value } of this.spool.pending()) {
      try {
        this.receive(this.socket!, proto.WebMessageInfo.fromObject(value) as WAMessage, key);
      } catch (error) {
        // Not a message this adapter can read again (a spool from another version): said, and not kept.
        this.options.logger.error({ err: (error as Error).message, key }, 'dropped a WhatsApp message from the spool that could not be read');
        await this.spool.done(key);
      }
    }
  }

  async stop(): Promise<void> {
    this.stopping = true;
    clearTimeout(this.reconnectTimer);
    this.socket?.end(undefined);
    await this.queue;
    this.current = { ...this.current, state: 'stopped' };
  }

  async send(route: ReplyRoute, text: string): Promise<void> {
    await this.withSocket((socket) => socket.sendMessage(route.chat, { text }));
  }

  async sendImage(route: ReplyRoute, file: string): Promise<void> {
    const image = await readFile(file);
    await this.withSocket((socket) => socket.sendMessage(route.chat, { image }));
  }

  async typing(route: ReplyRoute): Promise<void> {
    await this.socket?.sendPresenceUpdate('composing', route.chat);
  }

  private async withSocket(send: (socket: WhatsAppSocket) => Promise<unknown>): Promise<void> {
    if (!this.socket || this.current.state !== 'connected')
      throw new ChannelSendError(`WhatsApp is not connected (${this.current.detail ?? this.current.state})`, this.current.state !== 'stopped');
    try {
      await send(this.socket);
    } catch (error) {
      throw new ChannelSendError(`WhatsApp send failed: ${(error as Error).message}`, true);
    }
  }

  private async connect(): Promise<void> {
    const { state, saveCreds } = await useAtomicAuthState(this.options.authDir);
    const socket = await this.options.socketFactory(state);
    this.socket = socket;
    socket.ev.on(
      'creds.update',
      () => void saveCreds().catch((error: Error) => this.options.logger.error({ err: error.message }, 'could not save the WhatsApp login state')),
    );
    socket.ev.on('connection.update', (update: ConnectionUpdate) => this.onConnectionUpdate(socket, update));
    // `notify`: a message as it comes; `append`: one WhatsApp kept while this device was away, sent when it connects
    // (Baileys marks those so; the chat's history comes another way, and is not read).
    socket.ev.on('messages.upsert', ({ messages, type }: { messages: WAMessage[]; type: string }) => {
      if (type !== 'notify' && type !== 'append') return;
      for (const message of messages) this.receive(socket, message);
    });
  }

  private onConnectionUpdate(socket: WhatsAppSocket, update: ConnectionUpdate): void {
    if (socket !== this.socket) return;
    if (update.qr) {
      this.current = { channel: 'whatsapp', state: 'starting', detail: 'waiting for the QR code to be scanned (clawflow channels login whatsapp)' };
      this.options.onQr?.(update.qr);
    }
    if (update.connection === 'open') {
      this.openedAt = Date.now();
      this.current = { ...this.current, state: 'connected', detail: socket.user?.id ?? 'linked' };
      this.options.logger.info({ user: socket.user?.id }, 'WhatsApp connected');
      this.options.onLinked?.();
    }
    if (update.connection !== 'close' || this.stopping) return;
    const code = update.lastDisconnect?.error?.output?.statusCode;
    if (code === DisconnectReason.loggedOut) {
      this.current = { channel: 'whatsapp', state: 'stopped', detail: 'logged out: link the device again with `clawflow channels login whatsapp`' };
      this.options.logger.error('WhatsApp logged this device out; run `clawflow channels login whatsapp`');
      return;
    }
    // Only a connection that held for a while resets the backoff: a flapping one keeps backing off.
    if (this.openedAt && Date.now() - this.openedAt > stableConnectionMs) this.failures = 0;
    this.openedAt = 0;
    const { initialMs, maxMs } = this.options.backoff ?? { initialMs: 1000, maxMs: 60_000 };
    const delay = Math.min(initialMs * 2 ** this.failures, maxMs);
    this.failures += 1;
    this.current = {
      ...this.current,
      state: 'retrying',
      detail: `connection closed (${code ?? update.lastDisconnect?.error?.message ?? 'no reason'}); reconnecting in ${delay} ms`,
    };
    this.options.logger.warn({ code, attempt: this.failures, retryInMs: delay }, 'WhatsApp connection closed; reconnecting with backoff');
    this.reconnectTimer = setTimeout(() => {
      this.connect().catch((error: Error) => {
        this.options.logger.error({ err: error.message }, 'WhatsApp reconnect failed');
        this.onConnectionUpdate(this.socket!, { connection: 'close', lastDisconnect: { error } });
      });
    }, delay);
  }

  private async downloadMedia(message: WAMessage): Promise<Buffer> {
    const download = this.options.downloadMedia ?? (async (m: WAMessage) => (await import('baileys')).downloadMediaMessage(m, 'buffer', {}));
    return download(message);
  }

  /** The file a message carries, as ClawFlow saves it: an image, a voice note, an audio file, a document, a video. */
  private mediaOf(message: WAMessage): InboundMedia[] {
    const m = message.message;
    const download = (): Promise<Buffer> => this.downloadMedia(message);
    const file = (
      kind: InboundMedia['kind'],
      mimeType: string,
      fallback: string,
      length: Parameters<typeof sizeOf>[0],
      fileName?: string | null,
    ): InboundMedia[] => [
      { kind, extension: safeExtension(fileName ?? undefined, mimeType, fallback), mimeType, ...(fileName ? { fileName } : {}), ...sizeOf(length), download },
    ];
    if (m?.imageMessage) return file('image', m.imageMessage.mimetype ?? 'image/jpeg', 'jpg', m.imageMessage.fileLength);
    if (m?.audioMessage) return file(m.audioMessage.ptt ? 'voice' : 'audio', m.audioMessage.mimetype ?? 'audio/ogg', 'ogg', m.audioMessage.fileLength);
    const document = documentOf(m);
    if (document) return file('document', document.mimetype ?? 'application/octet-stream', 'bin', document.fileLength, document.fileName);
    if (m?.videoMessage) return file('video', m.videoMessage.mimetype ?? 'video/mp4', 'mp4', m.videoMessage.fileLength);
    return [];
  }

  /**
   * A message to hand over. WhatsApp counts it delivered once Baileys has it (Baileys confirms before it tells us), so
   * it is written to the spool before anything else, and leaves it only once its session has it: a connector killed
   * while the handover waits (Temporal down) hands it over after the restart. `spooled`: its key, when it came from there.
   */
  private receive(socket: WhatsAppSocket, message: WAMessage, spooled?: string): void {
    const id = message.key.id;
    const jid = message.key.remoteJid;
    // Status updates, broadcast lists and channels' (newsletters') posts are not people writing to the agent.
    if (!id || !jid || message.key.fromMe || jid.endsWith('@broadcast') || jid.endsWith('@newsletter')) return;
    // A replayed message (history sync, reconnect) is handed over once; the session drops any that slip through.
    const seenKey = `${jid}/${id}`;
    if (this.recentIds.has(seenKey)) return;
    const media = this.mediaOf(message);
    const text = textOf(message) || (media.length ? '' : (noteOf(message.message) ?? ''));
    if (!text && !media.length) return;
    this.recentIds.add(seenKey);

    const group = jid.endsWith('@g.us');
    const me = socket.user?.id.replace(/:\d+@/, '@');
    const m = message.message;
    const context =
      m?.extendedTextMessage?.contextInfo ??
      m?.imageMessage?.contextInfo ??
      m?.audioMessage?.contextInfo ??
      documentOf(m)?.contextInfo ??
      m?.videoMessage?.contextInfo;
    const mentioned = Boolean(me && (context?.mentionedJid?.includes(me) || context?.participant === me));
    const sender = group ? (message.key.participant ?? jid) : jid;
    const normalized: ChannelMessage = {
      channel: 'whatsapp',
      account: me ?? 'whatsapp',
      chat: jid,
      chatType: group ? 'group' : 'direct',
      sender: { id: sender.replace(/@.*$/, ''), ...(message.pushName ? { name: message.pushName } : {}) },
      messageId: id,
      text,
      attachments: [],
      ...(media.length ? { media } : {}),
      addressedToBot: mentioned,
      sentAt: new Date(Number(message.messageTimestamp ?? Date.now() / 1000) * 1000).toISOString(),
    };
    this.current = { ...this.current, lastEventAt: new Date().toISOString() };
    // Written at once (the spool takes one write at a time, in order); handed over in turn.
    const kept: Promise<boolean> = spooled
      ? Promise.resolve(true)
      : this.spool
          .add([{ key: seenKey, value: proto.WebMessageInfo.toObject(proto.WebMessageInfo.fromObject(message), { bytes: String, longs: Number }) }])
          .then(
            () => true,
            (error: unknown) => {
              this.options.logger.error(
                { err: (error as Error).message, messageId: id },
                'could not write a WhatsApp message to the spool; handing it over without',
              );
              return false;
            },
          );
    this.queue = this.queue.then(async () => {
      const onDisk = await kept;
      try {
        await this.onMessage!(normalized);
      } catch (error) {
        if (onDisk)
          return this.options.logger.error(
            { err: (error as Error).message, messageId: id },
            'a WhatsApp message was not handed over; it waits in the spool for the next start',
          );
        // Not on disk: taken again if WhatsApp sends it again.
        this.recentIds.delete(seenKey);
        return this.options.logger.error({ err: (error as Error).message, messageId: id }, 'a WhatsApp message was not handed over, and is not in the spool');
      }
      if (onDisk)
        await this.spool
          .done(seenKey)
          .catch((error: Error) =>
            this.options.logger.warn(
              { err: error.message },
              'could not mark a WhatsApp message done in the spool; it is handed over again after a restart (the session drops the repeat)',
            ),
          );
      if (this.options.readReceipts) await socket.readMessages([message.key]).catch(() => undefined);
    });
  }
}
