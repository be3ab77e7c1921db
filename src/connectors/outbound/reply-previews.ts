import { appendFileSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { BoundedSet } from '../../contracts/bounded-set.js';
import type { ReplyRoute } from '../../contracts/session-records.js';
import type { Logger } from '../../logger.js';
import type { ChannelAdapter } from '../../contracts/channel-adapter.js';

/** One edit a second at most: within what Telegram, Slack (chat.update) and Discord allow per chat. */
const editIntervalMs = 1_000;
/** Shown at the end of a reply still being written. */
const writingMark = ' …';
const keptPreviews = 5_000;

/**
 * The platform message of each reply being shown as it is written, on disk: after a crash the connector still knows
 * it, and the reply's delivery edits it into the final text instead of posting a second message.
 */
class PreviewLog {
  private readonly messages = new Map<string, string>();

  constructor(private readonly file: string) {
    mkdirSync(dirname(file), { recursive: true });
    let lines: string[] = [];
    try {
      lines = readFileSync(file, 'utf8').split('\n').filter(Boolean);
    } catch {
      // first run
    }
    for (const line of lines) {
      try {
        const entry = JSON.parse(line) as { key?: unknown; messageId?: unknown; done?: unknown };
        if (typeof entry.key !== 'string') continue;
        if (entry.done === true) this.messages.delete(entry.key);
        else if (typeof entry.messageId === 'string') this.remember(entry.key, entry.messageId);
      } catch {
        // a line torn by a crash
      }
    }
  }

  get(key: string): string | undefined {
    return this.messages.get(key);
  }

  record(key: string, messageId: string): void {
    appendFileSync(this.file, `${JSON.stringify({ key, messageId })}\n`);
    this.remember(key, messageId);
  }

  done(key: string): void {
    if (!this.messages.delete(key)) return;
    appendFileSync(this.file, `${JSON.stringify({ key, done: true })}\n`);
  }

  private remember(key: string, messageId: string): void {
    this.messages.set(key, messageId);
    while (this.messages.size > keptPreviews) this.messages.delete(this.messages.keys().next().value as string);
  }
}

/** A piece of a reply being written: `key` is the reply's delivery key (workflow id and turn); `stream`, one attempt at it. */
export interface ReplyDelta {
  key: string;
  route: ReplyRoute;
  stream: string;
  text: string;
}

interface Preview {
  route: ReplyRoute;
  adapter: ChannelAdapter & Required<Pick<ChannelAdapter, 'post' | 'edit'>>;
  stream: string;
  text: string;
  shown: string;
  messageId: string | undefined;
  lastShownAt: number;
  timer: NodeJS.Timeout | undefined;
  showing: Promise<void> | undefined;
  finished: boolean;
}

/**
 * Replies shown as they are written (OpenClaw's preview streaming, `streaming: "partial"`): the first text that has
 * waited a second is posted as a message, which is then edited at most once a second as the model writes on. Not
 * durable and need not be: the reply's `deliver` edits that message into the final text (`finish`), once, as it would
 * have sent it — so a crash of the connector or of the agent worker mid-reply leaves one complete reply, not two.
 */
export class ReplyPreviews {
  private readonly previews = new Map<string, Preview>();
  /** Replies whose delivery has begun. */
  private readonly closed = new BoundedSet<string>([], keptPreviews);
  private readonly log: PreviewLog;

  constructor(
    private readonly adapters: ReadonlyMap<string, ChannelAdapter>,
    private readonly streaming: readonly string[],
    file: string,
    private readonly logger: Logger,
  ) {
    this.log = new PreviewLog(file);
  }

  delta({ key, route, stream, text }: ReplyDelta): void {
    const adapter = this.adapters.get(route.channel);
    // A reply whose delivery has begun is not shown again: a late piece would edit the final text back.
    if (!adapter?.post || !adapter.edit || !this.streaming.includes(route.channel) || this.closed.has(key)) return;
    let preview = this.previews.get(key);
    if (preview?.finished) return;
    if (!preview) {
      preview = {
        route,
        adapter: adapter as Preview['adapter'],
        stream,
        text: '',
        shown: '',
        messageId: this.log.get(key),
        lastShownAt: Date.now(),
        timer: undefined,
        showing: undefined,
        finished: false,
      };
      this.previews.set(key, preview);
    } else if (preview.stream !== stream) {
      // Another attempt at the reply (a retried step, the next tool round): it is written afresh in the same message.
      preview.stream = stream;
      preview.text = '';
    }
    preview.text += text;
    this.schedule(key, preview);
  }

  /**
   * The reply is being delivered: no more edits; the message to edit into the final text, if one was shown. It stays
   * on record until `delivered`: a delivery tried again after its edit went out (the connector killed before it knew,
   * an answer lost) edits the same message again, and never posts a second one.
   */
  async finish(key: string): Promise<string | undefined> {
    this.closed.add(key);
    const preview = this.previews.get(key);
    if (preview) {
      preview.finished = true;
      clearTimeout(preview.timer);
      await preview.showing;
      // Its message is on record (the log) until `delivered`; nothing more is shown of it.
      this.previews.delete(key);
    }
    return preview?.messageId ?? this.log.get(key);
  }

  /** The reply is delivered, every part of it: its message is forgotten. */
  delivered(key: string): void {
    this.log.done(key);
  }

  private schedule(key: string, preview: Preview): void {
    if (preview.timer || preview.showing) return;
    preview.timer = setTimeout(() => this.show(key, preview), Math.max(0, preview.lastShownAt + editIntervalMs - Date.now()));
  }

  private show(key: string, preview: Preview): void {
    preview.timer = undefined;
    const limit = preview.adapter.messageLimit - writingMark.length;
    const text = `${preview.text.length > limit ? preview.text.slice(0, limit) : preview.text}`.trimEnd();
    if (preview.finished || !text || text === preview.shown) return;
    const { route, adapter } = preview;
    preview.showing = (async () => {
      if (preview.messageId) await adapter.edit(route, preview.messageId, text + writingMark);
      else {
        preview.messageId = await adapter.post(route, text + writingMark);
        this.log.record(key, preview.messageId);
      }
      preview.shown = text;
    })()
      .catch((error: unknown) =>
        this.logger.warn({ err: String(error), channel: route.channel }, 'could not show a reply as it was written; it comes when done'),
      )
      .finally(() => {
        preview.showing = undefined;
        preview.lastShownAt = Date.now();
        if (!preview.finished && preview.text.trimEnd() !== preview.shown) this.schedule(key, preview);
      });
  }
}
