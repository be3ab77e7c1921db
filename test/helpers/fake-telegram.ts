import { LoopbackServer } from './loopback-server.js';
import type { IncomingMessage, ServerResponse } from 'node:http';

export interface BotApiCall {
  method: string;
  params: Record<string, unknown>;
  /** When it came (Date.now()). */
  at?: number;
}

interface Waiter {
  offset: number;
  respond: () => void;
}

export const botUser = { id: 7000001, is_bot: true, first_name: 'Claw', username: 'clawflow_test_bot' };

/**
 * A Telegram Bot API server on 127.0.0.1 for grammY (`apiRoot`): serves getUpdates from a script with real long
 * polling and offset confirmation, records every call, and answers sendMessage like Telegram.
 */
export class FakeTelegram extends LoopbackServer {
  readonly calls: BotApiCall[] = [];
  /** The bot's messages by id: an edit changes the sendMessage call's text, so `sent()` shows what the user sees. */
  private readonly botMessages = new Map<number, Record<string, unknown>>();
  /** editMessageText calls that changed a message. */
  edits = 0;
  private readonly updates: Array<Record<string, unknown> & { update_id: number }> = [];
  private nextUpdateId = 1000;
  private nextMessageId = 1;
  private waiters: Waiter[] = [];
  /** The highest offset a getUpdates call has confirmed (every update below it is acknowledged). */
  confirmedOffset = 0;
  /** Called as updates are served, before the answer leaves (a test can kill the connector right there). */
  onServe: ((updates: Array<Record<string, unknown>>) => void) | null = null;

  get apiRoot(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** A text message from a user, as Telegram would deliver it; returns its update id. */
  userMessage(
    from: { id: number; first_name: string },
    text: string,
    chat: { id: number; type: 'private' | 'group' } = { id: from.id, type: 'private' },
  ): number {
    // Telegram marks @mentions as entities.
    const entities = [...text.matchAll(/@\w+/g)].map((m) => ({ type: 'mention', offset: m.index, length: m[0].length }));
    return this.push({
      message: {
        message_id: this.nextMessageId++,
        date: Math.floor(Date.now() / 1000),
        chat,
        from: { ...from, is_bot: false },
        text,
        ...(entities.length ? { entities } : {}),
      },
    });
  }

  /** A photo from a user, with a caption; its bytes are served by getFile and the file download. */
  userPhoto(
    from: { id: number; first_name: string },
    caption: string,
    bytes: Buffer,
    chat: { id: number; type: 'private' | 'group' } = { id: from.id, type: 'private' },
  ): number {
    const fileId = `PHOTO${this.nextMessageId}`;
    this.files.set(fileId, bytes);
    const entities = [...caption.matchAll(/@\w+/g)].map((m) => ({ type: 'mention', offset: m.index, length: m[0].length }));
    return this.push({
      message: {
        message_id: this.nextMessageId++,
        date: Math.floor(Date.now() / 1000),
        chat,
        ...(entities.length ? { caption_entities: entities } : {}),
        from: { ...from, is_bot: false },
        caption,
        photo: [{ file_id: fileId, file_unique_id: `u${fileId}`, width: 640, height: 480, file_size: bytes.length }],
      },
    });
  }

  /** A voice note from a user (OGG/Opus as Telegram records them); its bytes are served like a photo's. */
  userVoice(from: { id: number; first_name: string }, bytes: Buffer): number {
    const fileId = `VOICE${this.nextMessageId}`;
    this.files.set(fileId, bytes);
    return this.push({
      message: {
        message_id: this.nextMessageId++,
        date: Math.floor(Date.now() / 1000),
        chat: { id: from.id, type: 'private' },
        from: { ...from, is_bot: false },
        voice: { file_id: fileId, file_unique_id: `u${fileId}`, duration: 3, mime_type: 'audio/ogg', file_size: bytes.length },
      },
    });
  }

  /** A document from a user, with its file name and type, and a caption. */
  userDocument(from: { id: number; first_name: string }, fileName: string, mimeType: string, bytes: Buffer, caption = ''): number {
    const fileId = `DOC${this.nextMessageId}`;
    this.files.set(fileId, bytes);
    return this.push({
      message: {
        message_id: this.nextMessageId++,
        date: Math.floor(Date.now() / 1000),
        chat: { id: from.id, type: 'private' },
        from: { ...from, is_bot: false },
        ...(caption ? { caption } : {}),
        document: { file_id: fileId, file_unique_id: `u${fileId}`, file_name: fileName, mime_type: mimeType, file_size: bytes.length },
      },
    });
  }

  /** A sticker from a user: no file the agent could use. */
  userSticker(from: { id: number; first_name: string }, emoji: string): number {
    return this.push({
      message: {
        message_id: this.nextMessageId++,
        date: Math.floor(Date.now() / 1000),
        chat: { id: from.id, type: 'private' },
        from: { ...from, is_bot: false },
        sticker: { file_id: 'STICKER', file_unique_id: 'uSTICKER', type: 'regular', width: 512, height: 512, is_animated: false, is_video: false, emoji },
      },
    });
  }

  /** Photos bots sent: the chat and the uploaded file's bytes. */
  readonly photos: Array<{ chatId: string; bytes: Buffer }> = [];
  private readonly files = new Map<string, Buffer>();

  /** Serves an update again, exactly as before (what Telegram does when it was not confirmed). */
  redeliver(updateId: number): void {
    const original = this.delivered.get(updateId);
    if (!original) throw new Error(`update ${updateId} was never served`);
    this.updates.push(original);
    this.wake();
  }

  /** Calls it says yes to are neither recorded nor answered (a request lost on the way to Telegram): see `stalled`. */
  stallWhen: ((method: string, params: Record<string, unknown>) => boolean) | null = null;
  readonly stalled: Array<{ method: string; params: Record<string, unknown> }> = [];

  sent(method = 'sendMessage'): Array<Record<string, unknown>> {
    return this.calls.filter((c) => c.method === method).map((c) => c.params);
  }

  /** The texts the bot sent one chat, in order (as the user sees them, edits applied). */
  textsTo(chatId: number): string[] {
    return this.sent()
      .filter((m) => Number(m.chat_id) === chatId)
      .map((m) => String(m.text));
  }

  private readonly delivered = new Map<number, Record<string, unknown> & { update_id: number }>();

  private push(body: Record<string, unknown>): number {
    const update = { update_id: this.nextUpdateId++, ...body };
    this.updates.push(update);
    this.delivered.set(update.update_id, update);
    this.wake();
    return update.update_id;
  }

  private wake(): void {
    for (const waiter of this.waiters.splice(0)) waiter.respond();
  }

  private pending(offset: number): Array<Record<string, unknown>> {
    return this.updates.filter((u) => u.update_id >= offset);
  }

  protected override beforeStop(): void {
    for (const waiter of this.waiters.splice(0)) waiter.respond();
  }

  protected async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req as AsyncIterable<Buffer>) chunks.push(chunk);
    const download = /^\/file\/bot[^/]+\/files\/(\w+)$/.exec(req.url ?? '');
    if (download) {
      const bytes = this.files.get(download[1]!);
      return void (bytes ? res.writeHead(200, { 'content-type': 'image/jpeg' }).end(bytes) : res.writeHead(404).end());
    }
    const method = /\/bot[^/]+\/(\w+)/.exec(req.url ?? '')?.[1] ?? '';
    const body = Buffer.concat(chunks);
    if (method === 'sendPhoto') {
      // multipart/form-data: the chat id field, and the file part's bytes.
      const boundary = `--${/boundary=(.+)$/.exec(req.headers['content-type'] ?? '')![1]}`;
      const parts = body.toString('latin1').split(boundary);
      const field = (name: string) => parts.find((p) => p.includes(`name="${name}"`));
      const chatId = /\r\n\r\n([^\r]*)/.exec(field('chat_id') ?? '')?.[1] ?? '';
      // grammY sends `photo` as attach://<name> and the file as a part of its own.
      const photo = parts.find((p) => p.includes('filename='))!;
      const bytes = Buffer.from(photo.slice(photo.indexOf('\r\n\r\n') + 4, -2), 'latin1');
      this.photos.push({ chatId, bytes });
      this.calls.push({ method, params: { chat_id: chatId } });
      return void res
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify({ ok: true, result: { message_id: this.nextMessageId++, date: 0, chat: { id: Number(chatId), type: 'private' }, photo: [] } }));
    }
    const text = body.toString('utf8');
    const params = (text ? JSON.parse(text) : {}) as Record<string, unknown>;
    if (this.stallWhen?.(method, params)) {
      // Lost on the way: never reaches the chat and never answered, until the caller gives up or dies.
      this.stalled.push({ method, params });
      return;
    }
    this.calls.push({ method, params, at: Date.now() });
    const ok = (result: unknown): void => void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ ok: true, result }));
    switch (method) {
      case 'getMe':
        return ok(botUser);
      case 'getFile':
        return ok({
          file_id: params.file_id,
          file_unique_id: `u${String(params.file_id)}`,
          file_size: this.files.get(String(params.file_id))?.length,
          file_path: `files/${String(params.file_id)}`,
        });
      case 'deleteWebhook':
      case 'sendChatAction':
        return ok(true);
      case 'getUpdates': {
        const offset = Number(params.offset ?? 0);
        if (offset > this.confirmedOffset) {
          this.confirmedOffset = offset;
          // Confirmed updates are gone for good.
          for (let i = this.updates.length - 1; i >= 0; i--) if (this.updates[i]!.update_id < offset) this.updates.splice(i, 1);
        }
        if (this.pending(offset).length === 0 && Number(params.timeout ?? 0) > 0) {
          await new Promise<void>((resolve) => {
            const waiter = { offset, respond: resolve };
            this.waiters.push(waiter);
            setTimeout(resolve, Number(params.timeout) * 1000);
            res.on('close', resolve);
          });
        }
        if (res.destroyed) return;
        const served = this.pending(offset);
        if (served.length) this.onServe?.(served);
        return ok(served);
      }
      case 'sendMessage': {
        const id = this.nextMessageId++;
        this.botMessages.set(id, params);
        return ok({
          message_id: id,
          date: Math.floor(Date.now() / 1000),
          chat: { id: Number(params.chat_id), type: 'private' },
          from: botUser,
          text: params.text,
        });
      }
      case 'editMessageText': {
        const message = this.botMessages.get(Number(params.message_id));
        const refuse = (description: string): void =>
          void res.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify({ ok: false, error_code: 400, description }));
        if (!message || String(message.chat_id) !== String(params.chat_id)) return refuse('Bad Request: message to edit not found');
        if (message.text === params.text)
          return refuse(
            'Bad Request: message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message',
          );
        message.text = params.text;
        this.edits += 1;
        return ok({
          message_id: Number(params.message_id),
          date: Math.floor(Date.now() / 1000),
          chat: { id: Number(params.chat_id), type: 'private' },
          from: botUser,
          text: params.text,
        });
      }
      default:
        res
          .writeHead(404, { 'content-type': 'application/json' })
          .end(JSON.stringify({ ok: false, error_code: 404, description: `Not Found: method ${method}` }));
    }
  }
}
