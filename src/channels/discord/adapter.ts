import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { Client, Events, GatewayIntentBits, MessageFlags, Partials, Routes, DiscordAPIError, type Attachment, type Message } from 'discord.js';
import type { Logger } from '../../logger.js';
import type { ReplyRoute } from '../../contracts/session-records.js';
import { downloadFile, mediaKind, safeExtension } from '../../connectors/inbound/media-download.js';
import { ChannelSendError, type ChannelAdapter, type ChannelMessage, type ChannelStatus, type InboundMedia } from '../../contracts/channel-adapter.js';

export interface DiscordOptions {
  botToken: string;
  /** The REST API root, e.g. https://discord.com/api (a local fake in tests); the gateway URL comes from it. */
  apiUrl: string;
  logger: Logger;
}

/** Discord's limit for one message's content. */
const discordMessageLimit = 2000;

/** What a failed send means: rate limits and server faults may pass, anything else Discord refused will not. */
function sendError(error: unknown, what: string): ChannelSendError {
  if (error instanceof DiscordAPIError)
    return new ChannelSendError(`Discord refused ${what} (${error.status}): ${error.message}`, error.status === 429 || error.status >= 500);
  return new ChannelSendError(`sending ${what} to Discord failed: ${(error as Error).message}`, true);
}

/**
 * Discord through discord.js: the gateway connection (reconnect and resume are the library's), messages handed over
 * one at a time in arrival order. Sends go straight to the REST API, so they never depend on the client's cache.
 */
export class DiscordAdapter implements ChannelAdapter {
  readonly channel = 'discord';
  readonly messageLimit = discordMessageLimit;
  private readonly client: Client;
  private current: ChannelStatus = { channel: 'discord', state: 'starting' };
  private queue: Promise<void> = Promise.resolve();

  constructor(private readonly options: DiscordOptions) {
    this.client = new Client({
      intents: [GatewayIntentBits.Guilds, GatewayIntentBits.GuildMessages, GatewayIntentBits.DirectMessages, GatewayIntentBits.MessageContent],
      // Direct-message channels are not cached until used: without the partial their messages would be dropped.
      partials: [Partials.Channel],
      rest: { api: options.apiUrl },
    });
  }

  status(): ChannelStatus {
    return { ...this.current };
  }

  async start(onMessage: (message: ChannelMessage) => Promise<void>): Promise<void> {
    this.client.on(Events.MessageCreate, (message) => {
      const normalized = this.normalize(message);
      if (!normalized) return;
      this.current = { ...this.current, lastEventAt: new Date().toISOString() };
      // In arrival order, one at a time; a failure here means the connector is stopping.
      this.queue = this.queue.then(() =>
        onMessage(normalized).catch((error: Error) =>
          this.options.logger.error({ err: error.message, messageId: normalized.messageId }, 'a Discord message was not handed over'),
        ),
      );
    });
    this.client.on(Events.ShardDisconnect, () => (this.current = { ...this.current, state: 'retrying', detail: 'gateway disconnected' }));
    this.client.on(Events.ShardResume, () => (this.current = { ...this.current, state: 'connected' }));
    this.client.on(Events.ShardReconnecting, () => {
      this.current = { ...this.current, state: 'retrying', detail: 'reconnecting to the gateway' };
      this.options.logger.warn('Discord gateway reconnecting');
    });
    const ready = new Promise<void>((resolve) => this.client.once(Events.ClientReady, () => resolve()));
    await this.client.login(this.options.botToken);
    await ready;
    this.current = { channel: 'discord', state: 'connected', detail: this.client.user?.tag ?? 'bot' };
  }

  async stop(): Promise<void> {
    await this.client.destroy();
    await this.queue;
    this.current = { ...this.current, state: 'stopped' };
  }

  async send(route: ReplyRoute, text: string): Promise<void> {
    await this.post(route, text);
  }

  async post(route: ReplyRoute, text: string): Promise<string> {
    try {
      const sent = (await this.client.rest.post(Routes.channelMessages(route.thread ?? route.chat), {
        body: {
          content: text,
          allowed_mentions: { parse: [] },
          ...(route.replyTo ? { message_reference: { message_id: route.replyTo, fail_if_not_exists: false } } : {}),
        },
      })) as { id: string };
      return sent.id;
    } catch (error) {
      throw sendError(error, 'the message');
    }
  }

  async edit(route: ReplyRoute, messageId: string, text: string): Promise<void> {
    try {
      await this.client.rest.patch(Routes.channelMessage(route.thread ?? route.chat, messageId), { body: { content: text, allowed_mentions: { parse: [] } } });
    } catch (error) {
      throw sendError(error, 'the edit');
    }
  }

  async sendImage(route: ReplyRoute, file: string): Promise<void> {
    try {
      await this.client.rest.post(Routes.channelMessages(route.thread ?? route.chat), {
        files: [{ name: basename(file), data: await readFile(file) }],
        body: {},
      });
    } catch (error) {
      throw sendError(error, 'the image');
    }
  }

  async typing(route: ReplyRoute): Promise<void> {
    await this.client.rest.post(Routes.channelTyping(route.thread ?? route.chat));
  }

  /** An attachment as ClawFlow saves it: fetched from Discord's CDN only once the sender was admitted. */
  private mediaOf(attachment: Attachment, voiceMessage: boolean): InboundMedia {
    const type = attachment.contentType ?? 'application/octet-stream';
    const kind = mediaKind(type, voiceMessage);
    return {
      kind,
      extension: safeExtension(attachment.name, type),
      mimeType: type,
      fileName: attachment.name,
      size: attachment.size,
      download: () => downloadFile(attachment.url),
    };
  }

  private normalize(message: Message): ChannelMessage | null {
    const me = this.client.user;
    if (message.author.bot || message.author.id === me?.id) return null;
    const text = message.content.trim();
    if (!text && message.attachments.size === 0) return null;
    const direct = !message.guildId;
    const mentionTag = me ? new RegExp(`<@!?${me.id}>`, 'g') : null;
    const mentioned = Boolean(mentionTag && message.content.match(mentionTag)) || (me ? message.mentions.repliedUser?.id === me.id : false);
    const inThread = message.channel.isThread?.() ?? false;
    return {
      channel: 'discord',
      account: me?.id ?? 'discord',
      chat: inThread && 'parentId' in message.channel && message.channel.parentId ? message.channel.parentId : message.channelId,
      chatType: direct ? 'direct' : 'group',
      sender: { id: message.author.id, name: message.author.globalName ?? message.author.username },
      ...(inThread ? { thread: message.channelId } : {}),
      messageId: message.id,
      text: (mentionTag ? text.replace(mentionTag, '').trim() : text) || text,
      attachments: [...message.attachments.values()].map((a) => ({ kind: 'file', id: a.url })),
      ...(message.attachments.size
        ? { media: [...message.attachments.values()].map((a) => this.mediaOf(a, message.flags.has(MessageFlags.IsVoiceMessage))) }
        : {}),
      addressedToBot: mentioned,
      ...(inThread ? { inThread: true } : {}),
      sentAt: message.createdAt.toISOString(),
    };
  }
}
