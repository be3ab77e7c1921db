import { Bot, GrammyError, HttpError, InputFile } from 'grammy';
import type { Message, Update } from 'grammy/types';
import type { Logger } from '../../logger.js';
import type { ReplyRoute } from '../../contracts/session-records.js';
import { downloadFile, safeExtension } from '../../connectors/inbound/media-download.js';
import { ChannelSendError, type ChannelAdapter, type ChannelMessage, type ChannelStatus, type InboundMedia } from '../../contracts/channel-adapter.js';
import { PollBackoff } from '../../connectors/inbound/poll-backoff.js';

export interface TelegramOptions {
  botToken: string;
  apiRoot: string;
  pollTimeoutSeconds: number;
  logger: Logger;
}

/** Telegram's limit for one message's text. */
const telegramMessageLimit = 4096;

/** Telegram through grammY, by long polling. An update is confirmed to Telegram only after it was handed over. */
export class TelegramAdapter implements ChannelAdapter {
  readonly channel = 'telegram';
  readonly messageLimit = telegramMessageLimit;
  private readonly bot: Bot;
  private readonly abort = new AbortController();
  private polling: Promise<void> | null = null;
  private current: ChannelStatus = { channel: 'telegram', state: 'starting' };

  constructor(private readonly options: TelegramOptions) {
    this.bot = new Bot(options.botToken, { client: { apiRoot: options.apiRoot } });
  }

  status(): ChannelStatus {
    return { ...this.current };
  }

  async start(onMessage: (message: ChannelMessage) => Promise<void>): Promise<void> {
    await this.bot.init();
    // Long polling and a webhook exclude each other.
    await this.bot.api.deleteWebhook();
    this.current = { channel: 'telegram', state: 'connected', detail: `@${this.bot.botInfo.username}` };
    this.polling = this.poll(onMessage);
  }

  async stop(): Promise<void> {
    this.abort.abort();
    await this.polling?.catch(() => undefined);
    this.current = { ...this.current, state: 'stopped' };
  }

  async send(route: ReplyRoute, text: string): Promise<void> {
    await this.post(route, text);
  }

  async post(route: ReplyRoute, text: string): Promise<string> {
    try {
      const sent = await this.bot.api.sendMessage(route.chat, text, {
        ...(route.thread ? { message_thread_id: Number(route.thread) } : {}),
        ...(route.replyTo ? { reply_parameters: { message_id: Number(route.replyTo), allow_sending_without_reply: true } } : {}),
      });
      return String(sent.message_id);
    } catch (error) {
      throw this.sendError(error);
    }
  }

  async edit(route: ReplyRoute, messageId: string, text: string): Promise<void> {
    try {
      await this.bot.api.editMessageText(route.chat, Number(messageId), text);
    } catch (error) {
      // The same text again (a retried edit) is not a failure.
      if (error instanceof GrammyError && /message is not modified/i.test(error.description)) return;
      throw this.sendError(error);
    }
  }

  async sendImage(route: ReplyRoute, file: string): Promise<void> {
    try {
      await this.bot.api.sendPhoto(route.chat, new InputFile(file), route.thread ? { message_thread_id: Number(route.thread) } : {});
    } catch (error) {
      throw this.sendError(error);
    }
  }

  async typing(route: ReplyRoute): Promise<void> {
    await this.bot.api.sendChatAction(route.chat, 'typing', route.thread ? { message_thread_id: Number(route.thread) } : {});
  }

  private sendError(error: unknown): ChannelSendError {
    if (error instanceof GrammyError) {
      const retryable = error.error_code === 429 || error.error_code >= 500;
      return new ChannelSendError(`Telegram refused the message (${error.error_code}): ${error.description}`, retryable);
    }
    if (error instanceof HttpError) return new ChannelSendError(`Telegram is unreachable: ${String(error.error)}`, true);
    return new ChannelSendError(`sending to Telegram failed: ${(error as Error).message}`, true);
  }

  private async poll(onMessage: (message: ChannelMessage) => Promise<void>): Promise<void> {
    let offset: number | undefined;
    const backoff = new PollBackoff();
    while (!this.abort.signal.aborted) {
      let updates: Update[];
      try {
        // Asking with `offset` confirms every update before it: only those already handed over.
        updates = await this.bot.api.getUpdates(
          { ...(offset !== undefined ? { offset } : {}), timeout: this.options.pollTimeoutSeconds, allowed_updates: ['message'] },
          this.abort.signal as Parameters<Bot['api']['getUpdates']>[1],
        );
        this.current = { ...this.current, state: 'connected' };
        backoff.reset();
      } catch (error) {
        if (this.abort.signal.aborted) return;
        this.current = { ...this.current, state: 'retrying', detail: (error as Error).message };
        this.options.logger.warn({ err: (error as Error).message, retryInMs: backoff.nextMs }, 'Telegram getUpdates failed');
        await backoff.wait(this.abort.signal);
        continue;
      }
      for (const update of updates) {
        const message = update.message ? this.normalize(update.message) : null;
        // Throws only while stopping: the update stays unconfirmed and comes again after the restart.
        if (message) await onMessage(message);
        offset = update.update_id + 1;
        this.current = { ...this.current, lastEventAt: new Date().toISOString() };
      }
    }
  }

  /** The bytes of a file a user sent (fetched only once the sender was admitted). */
  private async download(fileId: string): Promise<Buffer> {
    const file = await this.bot.api.getFile(fileId);
    return downloadFile(`${this.options.apiRoot}/file/bot${this.options.botToken}/${file.file_path}`);
  }

  /** The files a message carries, as ClawFlow saves them: a photo, a voice note, an audio file, a document. */
  private mediaOf(message: Message): InboundMedia[] {
    const photo = message.photo?.at(-1);
    const file = (
      kind: InboundMedia['kind'],
      f: { file_id: string; mime_type?: string; file_name?: string; file_size?: number },
      fallback: string,
    ): InboundMedia => ({
      kind,
      extension: safeExtension(f.file_name, f.mime_type, fallback),
      ...(f.mime_type ? { mimeType: f.mime_type } : {}),
      ...(f.file_name ? { fileName: f.file_name } : {}),
      ...(f.file_size !== undefined ? { size: f.file_size } : {}),
      download: () => this.download(f.file_id),
    });
    return [
      ...(photo
        ? [
            {
              kind: 'photo' as const,
              extension: 'jpg',
              mimeType: 'image/jpeg',
              ...(photo.file_size !== undefined ? { size: photo.file_size } : {}),
              download: () => this.download(photo.file_id),
            },
          ]
        : []),
      ...(message.voice ? [file('voice', { mime_type: 'audio/ogg', ...message.voice }, 'ogg')] : []),
      ...(message.audio ? [file('audio', message.audio, 'mp3')] : []),
      ...(message.document ? [file('document', message.document, 'bin')] : []),
      ...(message.video ? [file('video', message.video, 'mp4')] : []),
    ];
  }

  /** What the agent is told of the kinds it cannot take as a file: never silence. */
  private static noteOf(message: Message): string | null {
    if (message.sticker) return `[The user sent a sticker${message.sticker.emoji ? ` (${message.sticker.emoji})` : ''}]`;
    if (message.location) return `[The user shared a location: latitude ${message.location.latitude}, longitude ${message.location.longitude}]`;
    if (message.contact)
      return `[The user shared a contact: ${[message.contact.first_name, message.contact.last_name].filter(Boolean).join(' ')}, ${message.contact.phone_number}]`;
    if (message.poll) return `[The user sent a poll: ${message.poll.question}]`;
    if (message.video_note) return '[The user sent a round video message, which ClawFlow cannot show the agent]';
    return null;
  }

  private normalize(message: Message): ChannelMessage | null {
    const raw = message.text ?? message.caption ?? '';
    const media = this.mediaOf(message);
    const text = raw.trim() || (media.length ? '' : (TelegramAdapter.noteOf(message) ?? ''));
    if (!text && media.length === 0) return null;
    const me = this.bot.botInfo;
    const mentioned = (message.entities ?? message.caption_entities ?? []).some(
      (e) => e.type === 'mention' && raw.slice(e.offset, e.offset + e.length).toLowerCase() === `@${me.username.toLowerCase()}`,
    );
    return {
      channel: 'telegram',
      account: String(me.id),
      chat: String(message.chat.id),
      chatType: message.chat.type === 'private' ? 'direct' : 'group',
      sender: {
        id: String(message.from?.id ?? message.chat.id),
        ...(message.from ? { name: [message.from.first_name, message.from.last_name].filter(Boolean).join(' ') } : {}),
      },
      ...(message.is_topic_message && message.message_thread_id ? { thread: String(message.message_thread_id) } : {}),
      messageId: String(message.message_id),
      text,
      attachments: [],
      ...(media.length ? { media } : {}),
      addressedToBot: mentioned || message.reply_to_message?.from?.id === me.id,
      sentAt: new Date(message.date * 1000).toISOString(),
    };
  }
}
