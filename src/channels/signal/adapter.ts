import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { z } from 'zod';
import type { ReplyRoute } from '../../contracts/session-records.js';
import type { Logger } from '../../logger.js';
import { mediaKind, safeExtension } from '../../connectors/inbound/media-download.js';
import { ChannelSendError, type ChannelAdapter, type ChannelMessage, type ChannelStatus, type InboundMedia } from '../../contracts/channel-adapter.js';
import { sniffImageType } from '../../fs/image-type.js';
import { HandoverAttempts } from '../../connectors/inbound/handover-attempts.js';
import { InboxSpool } from '../../connectors/inbound/inbox-spool.js';
import { PollBackoff } from '../../connectors/inbound/poll-backoff.js';
import { SignalRpc, SignalRpcError } from './rpc.js';

export interface SignalOptions {
  /** signal-cli's HTTP endpoint (`daemon --http`). */
  url: string;
  /** The Signal account signal-cli runs: its phone number. */
  account: string;
  /** How long one `receive` waits for a message. */
  pollTimeoutSeconds: number;
  /** Where messages taken from signal-cli wait until their session has them. */
  spoolFile: string;
  logger: Logger;
}

/**
 * Signal's limit before a text travels as a "long text" attachment some clients show as a file: replies are split
 * below it.
 */
const signalMessageLimit = 2000;
/** The character a Signal client puts where a mention is; the mention itself says whom it names. */
const mentionMark = '\uFFFC';

const nullableString = z.string().nullish();
const attachmentSchema = z.looseObject({ contentType: nullableString, filename: nullableString, id: nullableString, size: z.number().nullish() });
const dataMessageSchema = z.looseObject({
  timestamp: z.number(),
  message: nullableString,
  mentions: z
    .array(z.looseObject({ number: nullableString, uuid: nullableString, name: nullableString, start: z.number().int(), length: z.number().int() }))
    .nullish(),
  attachments: z.array(attachmentSchema).nullish(),
  quote: z.looseObject({ id: z.number().nullish(), authorNumber: nullableString, authorUuid: nullableString }).nullish(),
  groupInfo: z.looseObject({ groupId: z.string().min(1), type: nullableString }).nullish(),
  sticker: z.looseObject({ emoji: nullableString }).nullish(),
  reaction: z.unknown().optional(),
  remoteDelete: z.unknown().optional(),
});
/** What `receive` gives for each message (signal-cli's JSON output): the envelope and the account it came to. */
const receivedSchema = z.looseObject({
  account: nullableString,
  envelope: z.looseObject({
    sourceNumber: nullableString,
    sourceUuid: nullableString,
    sourceName: nullableString,
    timestamp: z.number(),
    dataMessage: dataMessageSchema.nullish(),
    editMessage: z.looseObject({ targetSentTimestamp: z.number(), dataMessage: dataMessageSchema }).nullish(),
  }),
});
type Received = z.infer<typeof receivedSchema>;
type DataMessage = z.infer<typeof dataMessageSchema>;

/** A person, as a chat: a phone number or a UUID. Any other chat is a group, named by its id (base64). */
const personPattern = /^(\+\d+|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/i;

/**
 * Signal through signal-cli's JSON-RPC daemon over HTTP, in `--receive-mode=manual`: messages stay with Signal's
 * servers until ClawFlow asks for them (`receive`), and what signal-cli hands over is written to a spool before
 * anything else, so a connector stopped at any moment loses nothing.
 */
export class SignalAdapter implements ChannelAdapter {
  readonly channel = 'signal';
  readonly messageLimit = signalMessageLimit;
  private readonly rpc: SignalRpc;
  private readonly spool: InboxSpool<Received>;
  /** Set on stop: the receive under way ends by itself (signal-cli takes a message for a closed connection too). */
  private readonly stopping = new AbortController();
  private polling: Promise<void> | null = null;
  private readonly attempts = new HandoverAttempts();
  private current: ChannelStatus = { channel: 'signal', state: 'starting' };
  /** The account's own UUID: mentions and quotes name it. */
  private ownUuid: string | null = null;

  constructor(private readonly options: SignalOptions) {
    this.rpc = new SignalRpc(options.url);
    this.spool = new InboxSpool(options.spoolFile);
  }

  status(): ChannelStatus {
    return { ...this.current };
  }

  async start(onMessage: (message: ChannelMessage) => Promise<void>): Promise<void> {
    await this.rpc.check().catch((error: Error) => {
      throw new Error(
        `Signal: signal-cli's daemon does not answer at ${this.options.url} (${error.message}); start it with: signal-cli -a ${this.options.account} daemon --http ${new URL(this.options.url).host} --receive-mode=manual`,
      );
    });
    const [self] = await this.rpc.call<Array<{ uuid?: string | null; isRegistered?: boolean }>>('getUserStatus', { recipient: [this.options.account] });
    this.ownUuid = self?.uuid ?? null;
    this.current = { channel: 'signal', state: 'connected', detail: this.options.account };
    this.polling = this.poll(onMessage);
  }

  async stop(): Promise<void> {
    this.stopping.abort();
    await this.polling?.catch(() => undefined);
    this.current = { ...this.current, state: 'stopped' };
  }

  async send(route: ReplyRoute, text: string): Promise<void> {
    await this.sendMessage(route, { message: text, ...this.quoteOf(route) });
  }

  async sendImage(route: ReplyRoute, file: string): Promise<void> {
    const bytes = await readFile(file);
    const type = sniffImageType(bytes) ?? 'image/jpeg';
    await this.sendMessage(route, { attachments: [`data:${type};filename=${encodeURIComponent(basename(file))};base64,${bytes.toString('base64')}`] });
  }

  async typing(route: ReplyRoute): Promise<void> {
    await this.rpc.call('sendTyping', SignalAdapter.target(route), { timeoutMs: 10_000 });
  }

  /** Whom a route names, as `send` wants it: a group by its id, a person by number or UUID. */
  private static target(route: ReplyRoute): Record<string, unknown> {
    return personPattern.test(route.chat) ? { recipient: [route.chat] } : { groupId: route.chat };
  }

  /** In a group the answer quotes the message it answers (Signal wants its time and author); in a direct chat it does not need to. */
  private quoteOf(route: ReplyRoute): Record<string, unknown> {
    const quoted = !personPattern.test(route.chat) && route.replyTo ? /^(\d+):(.+)$/.exec(route.replyTo) : null;
    return quoted ? { quoteTimestamp: Number(quoted[1]), quoteAuthor: quoted[2] } : {};
  }

  private async sendMessage(route: ReplyRoute, content: Record<string, unknown>): Promise<void> {
    try {
      await this.rpc.call('send', { ...SignalAdapter.target(route), ...content });
    } catch (error) {
      if (error instanceof SignalRpcError) throw new ChannelSendError(`Signal refused the message: ${error.message}`, error.retryable);
      throw new ChannelSendError(`signal-cli is unreachable: ${(error as Error).message}`, true);
    }
  }

  private async poll(onMessage: (message: ChannelMessage) => Promise<void>): Promise<void> {
    const backoff = new PollBackoff();
    let batch: unknown = [];
    for (;;) {
      const received = (Array.isArray(batch) ? batch : []).flatMap((item) => {
        const parsed = receivedSchema.safeParse(item);
        if (!parsed.success)
          this.options.logger.warn(
            { item: JSON.stringify(item).slice(0, 300) },
            'Signal: ignored a message signal-cli described in a shape ClawFlow does not know',
          );
        return parsed.success ? [parsed.data] : [];
      });
      batch = [];
      try {
        await this.spool.add(
          received.map((value) => ({ key: `${value.envelope.sourceUuid ?? value.envelope.sourceNumber}:${value.envelope.timestamp}`, value })),
        );
        // What this receive gave, and first of all what a stopped connector left in the spool.
        await this.handOver(onMessage);
      } catch (error) {
        if (this.stopping.signal.aborted) return;
        this.options.logger.warn({ err: (error as Error).message, retryInMs: backoff.nextMs }, 'Signal: could not hand a message over; trying again');
        await backoff.wait(this.stopping.signal);
        continue;
      }
      if (this.stopping.signal.aborted) return;
      try {
        // One message at a time: `receive` returns as soon as one came, instead of after a quiet `timeout`. Not
        // aborted on stop: signal-cli would take a message for the closed connection, and it would be lost.
        batch = await this.rpc.call(
          'receive',
          { timeout: this.options.pollTimeoutSeconds, maxMessages: 1 },
          { timeoutMs: (this.options.pollTimeoutSeconds + 30) * 1000 },
        );
        this.current = { ...this.current, state: 'connected', detail: this.options.account };
        backoff.reset();
      } catch (error) {
        if (this.stopping.signal.aborted) return;
        const message = (error as Error).message;
        const detail = /already being received/i.test(message)
          ? `signal-cli receives on its own: start its daemon with --receive-mode=manual (${message})`
          : message;
        this.current = { ...this.current, state: 'retrying', detail };
        this.options.logger.warn({ err: detail, retryInMs: backoff.nextMs }, 'Signal receive failed');
        await backoff.wait(this.stopping.signal);
      }
    }
  }

  /** Each message waiting in the spool to its session, in order; one is marked done only once it was handed over. */
  private async handOver(onMessage: (message: ChannelMessage) => Promise<void>): Promise<void> {
    for (const { key, value } of this.spool.pending()) {
      try {
        const message = this.normalize(value);
        if (message) await onMessage(message);
      } catch (error) {
        // Stopping: it stays in the spool and is handed over after the restart. Otherwise tried again a few times.
        if (this.stopping.signal.aborted || !this.attempts.failed(key)) throw error;
        this.options.logger.error({ key, err: (error as Error).message }, 'Signal: gave up a message that could not be handed over five times');
      }
      this.attempts.succeeded(key);
      await this.spool.done(key);
      this.current = { ...this.current, lastEventAt: new Date().toISOString() };
    }
  }

  /** The account itself: a note to self, or a message signal-cli reports from another of its devices. */
  private isSelf(number: string | null | undefined, uuid: string | null | undefined): boolean {
    return (!!number && number === this.options.account) || (!!uuid && uuid === this.ownUuid);
  }

  private normalize({ envelope }: Received): ChannelMessage | null {
    const edited = envelope.editMessage;
    const data = edited?.dataMessage ?? envelope.dataMessage;
    const sender = envelope.sourceNumber ?? envelope.sourceUuid;
    if (!data || !sender || this.isSelf(envelope.sourceNumber, envelope.sourceUuid)) return null;
    // Reactions, deletions and group changes are not messages to answer.
    if (data.reaction || data.remoteDelete || data.groupInfo?.type === 'UPDATE') return null;
    const media = this.mediaOf(data);
    let text = this.textOf(data);
    if (!text && !media.length) text = data.sticker ? `[The user sent a sticker${data.sticker.emoji ? ` (${data.sticker.emoji})` : ''}]` : '';
    if (!text && !media.length) return null;
    if (edited) text = `[The user edited an earlier message; it now reads:]\n${text}`;
    const group = data.groupInfo?.groupId;
    const mentioned = (data.mentions ?? []).some((m) => this.isSelf(m.number, m.uuid));
    const repliedToBot = !!data.quote && this.isSelf(data.quote.authorNumber, data.quote.authorUuid);
    return {
      channel: 'signal',
      account: this.options.account,
      chat: group ?? sender,
      chatType: group ? 'group' : 'direct',
      sender: { id: sender, ...(envelope.sourceName ? { name: envelope.sourceName } : {}) },
      // Its time and author: unique in the chat, and what a quote of it needs.
      messageId: `${edited ? data.timestamp : envelope.timestamp}:${sender}`,
      text,
      attachments: [],
      ...(media.length ? { media } : {}),
      addressedToBot: mentioned || repliedToBot,
      sentAt: new Date(envelope.timestamp).toISOString(),
    };
  }

  /** The text with each mention written out (`@+15551234567`), the bot's own left out. */
  private textOf(data: DataMessage): string {
    let text = data.message ?? '';
    const mentions = [...(data.mentions ?? [])].sort((a, b) => b.start - a.start);
    for (const mention of mentions) {
      if (text[mention.start] !== mentionMark) continue;
      const name = this.isSelf(mention.number, mention.uuid) ? '' : `@${mention.name ?? mention.number ?? mention.uuid ?? 'someone'}`;
      text = `${text.slice(0, mention.start)}${name}${text.slice(mention.start + mention.length)}`;
    }
    return text.replace(/\s{2,}/g, ' ').trim();
  }

  /** The files a message carries, fetched from signal-cli (`getAttachment`) only once the sender was admitted. */
  private mediaOf(data: DataMessage): InboundMedia[] {
    return (data.attachments ?? []).flatMap((attachment) => {
      const id = attachment.id;
      if (!id) return [];
      const mimeType = attachment.contentType ?? 'application/octet-stream';
      // Signal marks nothing as a voice note in signal-cli's output; a recording without a file name is one.
      const kind = mediaKind(mimeType, !attachment.filename);
      return [
        {
          kind,
          extension: safeExtension(attachment.filename ?? undefined, mimeType, kind === 'voice' ? 'aac' : 'bin'),
          mimeType,
          ...(attachment.filename ? { fileName: attachment.filename } : {}),
          ...(typeof attachment.size === 'number' ? { size: attachment.size } : {}),
          download: async () => Buffer.from((await this.rpc.call<{ data: string }>('getAttachment', { id }, { timeoutMs: 60_000 })).data, 'base64'),
        },
      ];
    });
  }
}
