import { createServer, type Server } from 'node:http';
import { App, HTTPReceiver, LogLevel, type Receiver, type ReceiverEvent } from '@slack/bolt';
import { SocketModeClient } from '@slack/socket-mode';
import { z } from 'zod';
import { describeZodError } from '../../contracts/zod-issues.js';
import type { Logger } from '../../logger.js';
import type { ReplyRoute } from '../../contracts/session-records.js';
import { downloadFile, mediaKind, safeExtension } from '../../connectors/inbound/media-download.js';
import { ChannelSendError, type ChannelAdapter, type ChannelMessage, type ChannelStatus, type InboundMedia } from '../../contracts/channel-adapter.js';

export interface SlackOptions {
  botToken: string;
  mode: 'socket' | 'http';
  appToken?: string;
  signingSecret?: string;
  httpPort: number;
  apiUrl: string;
  logger: Logger;
}

/** Slack's limit for one message's text (it accepts more, but truncates above ~40,000). */
const slackMessageLimit = 39_000;

/**
 * Socket Mode, acknowledging an envelope only after the app has processed it: Bolt's own Socket Mode receiver
 * acknowledges Events API envelopes before the listeners run, which would lose a message a crash interrupts.
 */
class AckAfterProcessingReceiver implements Receiver {
  private app: App | undefined;
  readonly client: SocketModeClient;

  constructor(appToken: string, apiUrl: string, logger: Logger) {
    this.client = new SocketModeClient({ appToken, clientOptions: { slackApiUrl: apiUrl }, logLevel: LogLevel.ERROR });
    type Envelope = { ack: () => Promise<void>; body: ReceiverEvent['body']; retry_num?: number; retry_reason?: string };
    const handle = async ({ ack, body, retry_num, retry_reason }: Envelope): Promise<void> => {
      const event: ReceiverEvent = {
        body,
        ack: () => Promise.resolve(),
        ...(retry_num !== undefined ? { retryNum: retry_num } : {}),
        ...(retry_reason ? { retryReason: retry_reason } : {}),
      };
      try {
        await this.app!.processEvent(event);
        await ack();
      } catch (error) {
        // Unacknowledged: Slack sends it again.
        logger.warn({ err: (error as Error).message }, 'a Slack event was not handed over; leaving it unacknowledged');
      }
    };
    // The emitter does not wait for a listener: the handler catches everything itself.
    this.client.on('slack_event', (envelope: Envelope) => void handle(envelope));
  }

  init(app: App): void {
    this.app = app;
  }

  start(): Promise<unknown> {
    return this.client.start();
  }

  stop(): Promise<unknown> {
    return this.client.disconnect();
  }
}

interface SlackMessageEvent {
  type: string;
  subtype?: string;
  channel: string;
  channel_type?: string;
  user?: string;
  bot_id?: string;
  text?: string;
  ts: string;
  thread_ts?: string;
  client_msg_id?: string;
  files?: SlackFile[];
}

/** A file shared in a message (subtype `file_share`), as the event describes it. */
interface SlackFile {
  id: string;
  name?: string;
  mimetype?: string;
  size?: number;
  url_private_download?: string;
  url_private?: string;
  /** Slack marks a recorded voice clip so. */
  subtype?: string;
}

const maxEventBytes = 1024 * 1024;

/**
 * What Slack posts as JSON: a request with a type (`url_verification`, `event_callback`, …), and for an event, the event
 * with its type. Anything else is refused here, before Bolt, which answers some such bodies with a 500.
 */
const slackJsonBody = z.looseObject({
  type: z.string().min(1),
  event: z.looseObject({ type: z.string().min(1) }).optional(),
});

/**
 * The Events API endpoint: each body is read (at most 1 MB) and must be a JSON object or a form before Bolt's
 * receiver verifies its signature and handles it. (Bolt's own server leaves a request with a `null` body unanswered,
 * with an unhandled rejection.)
 */
async function listenForEvents(receiver: HTTPReceiver, port: number): Promise<Server> {
  const server = createServer((req, res) => {
    const refuse = (status: number, message: string): void => {
      req.resume();
      if (!res.headersSent) res.writeHead(status, { 'content-type': 'text/plain' }).end(message);
    };
    if (req.method !== 'POST') return refuse(405, 'POST Slack events here');
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('error', () => undefined);
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= maxEventBytes) chunks.push(chunk);
    });
    req.on('end', () => {
      if (size > maxEventBytes) return refuse(413, 'too large');
      const rawBody = Buffer.concat(chunks);
      const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim();
      if (type === 'application/json') {
        let parsed: unknown;
        try {
          parsed = JSON.parse(rawBody.toString('utf8'));
        } catch {
          return refuse(400, 'not JSON');
        }
        if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) return refuse(400, 'not a JSON object');
        const shape = slackJsonBody.safeParse(parsed);
        if (!shape.success) return refuse(400, `not a Slack request: ${describeZodError(shape.error, 'body')}`);
      } else if (type !== 'application/x-www-form-urlencoded') return refuse(415, 'Content-Type must be application/json or a form');
      // Bolt reads a body already buffered from `rawBody`.
      Object.assign(req, { rawBody });
      receiver.requestListener(req, res);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    // Loopback only: Slack reaches it through the reverse proxy that terminates TLS.
    server.listen(port, '127.0.0.1', resolve);
  });
  return server;
}

/** Slack through Bolt: Socket Mode or the HTTP Events API (signatures verified, retries recognised). */
export class SlackAdapter implements ChannelAdapter {
  readonly channel = 'slack';
  readonly messageLimit = slackMessageLimit;
  private readonly app: App;
  /** HTTP mode: our own server in front of Bolt's receiver, which reads and checks each body first. */
  private readonly events: HTTPReceiver | null;
  private server: Server | null = null;
  private botUserId = '';
  private current: ChannelStatus = { channel: 'slack', state: 'starting' };
  private onMessage: ((message: ChannelMessage) => Promise<void>) | null = null;

  constructor(private readonly options: SlackOptions) {
    // The HTTP response (the acknowledgement) waits until the event was handed over.
    this.events =
      options.mode === 'http' ? new HTTPReceiver({ signingSecret: options.signingSecret!, processBeforeResponse: true, logLevel: LogLevel.ERROR }) : null;
    const receiver = this.events ?? new AckAfterProcessingReceiver(options.appToken!, options.apiUrl, options.logger);
    this.app = new App({
      token: options.botToken,
      receiver,
      clientOptions: { slackApiUrl: options.apiUrl, retryConfig: { retries: 0 } },
      logLevel: LogLevel.ERROR,
    });
    this.app.event('message', async ({ event, body }) => {
      const message = this.normalize(event as unknown as SlackMessageEvent, (body as { team_id?: string }).team_id ?? 'slack');
      if (message && this.onMessage) await this.onMessage(message);
    });
  }

  status(): ChannelStatus {
    return { ...this.current };
  }

  async start(onMessage: (message: ChannelMessage) => Promise<void>): Promise<void> {
    this.onMessage = onMessage;
    const auth = await this.app.client.auth.test();
    this.botUserId = auth.user_id ?? '';
    if (this.events) this.server = await listenForEvents(this.events, this.options.httpPort);
    else await this.app.start();
    this.current = {
      channel: 'slack',
      state: 'connected',
      detail: `${auth.user ?? this.botUserId} (${this.options.mode === 'socket' ? 'Socket Mode' : `Events API on :${this.options.httpPort}`})`,
    };
  }

  async stop(): Promise<void> {
    if (this.server) {
      this.server.closeAllConnections();
      await new Promise((resolve) => this.server!.close(resolve));
    } else await this.app.stop().catch(() => undefined);
    this.current = { ...this.current, state: 'stopped' };
  }

  async send(route: ReplyRoute, text: string): Promise<void> {
    await this.post(route, text);
  }

  async post(route: ReplyRoute, text: string): Promise<string> {
    try {
      const sent = await this.app.client.chat.postMessage({ channel: route.chat, text, ...(route.thread ? { thread_ts: route.thread } : {}) });
      if (!sent.ts) throw new ChannelSendError('Slack took the message but gave no ts', true);
      return sent.ts;
    } catch (error) {
      throw slackSendError(error);
    }
  }

  async edit(route: ReplyRoute, messageId: string, text: string): Promise<void> {
    try {
      await this.app.client.chat.update({ channel: route.chat, ts: messageId, text });
    } catch (error) {
      throw slackSendError(error);
    }
  }

  /** Bots cannot show "typing…" through the Events API. */
  typing(): Promise<void> {
    return Promise.resolve();
  }

  /**
   * A shared file as ClawFlow saves it: fetched with the bot token, which goes only to Slack's own hosts (or the
   * configured API's, a local fake in tests), whatever URL an event names.
   */
  private mediaOf(file: SlackFile): InboundMedia[] {
    const url = file.url_private_download ?? file.url_private;
    if (!url || !this.isSlackFileHost(url)) return [];
    const type = file.mimetype ?? 'application/octet-stream';
    return [
      {
        kind: mediaKind(type, file.subtype === 'slack_audio'),
        extension: safeExtension(file.name, type),
        mimeType: type,
        ...(file.name ? { fileName: file.name } : {}),
        ...(file.size !== undefined ? { size: file.size } : {}),
        download: () => downloadFile(url, { authorization: `Bearer ${this.options.botToken}` }),
      },
    ];
  }

  private isSlackFileHost(url: string): boolean {
    try {
      const { protocol, hostname, host } = new URL(url);
      if (host === new URL(this.options.apiUrl).host) return true;
      return protocol === 'https:' && (hostname === 'slack.com' || hostname.endsWith('.slack.com'));
    } catch {
      return false;
    }
  }

  private normalize(event: SlackMessageEvent, team: string): ChannelMessage | null {
    // Edits, joins, bot messages (ours included) are not messages to answer; a message sharing files is.
    if ((event.subtype && event.subtype !== 'file_share') || event.bot_id || !event.user || event.user === this.botUserId) return null;
    const text = (event.text ?? '').trim();
    const media = (event.files ?? []).flatMap((file) => this.mediaOf(file));
    if (!text && !media.length) return null;
    const direct = event.channel_type === 'im';
    const mention = `<@${this.botUserId}>`;
    this.current = { ...this.current, lastEventAt: new Date().toISOString() };
    return {
      channel: 'slack',
      account: team,
      chat: event.channel,
      chatType: direct ? 'direct' : 'group',
      sender: { id: event.user },
      // In channels the conversation is the thread: a top-level mention starts one.
      ...(direct ? {} : { thread: event.thread_ts ?? event.ts }),
      messageId: event.ts,
      text: text.replaceAll(mention, '').trim() || (media.length ? '' : text),
      attachments: (event.files ?? []).map((f) => ({ kind: 'file', id: f.id })),
      ...(media.length ? { media } : {}),
      addressedToBot: text.includes(mention),
      ...(!direct && event.thread_ts !== undefined ? { inThread: true } : {}),
      sentAt: new Date(Number(event.ts) * 1000).toISOString(),
    };
  }
}

function slackSendError(error: unknown): ChannelSendError {
  if (error instanceof ChannelSendError) return error;
  const e = error as Error & { code?: string; data?: { error?: string }; statusCode?: number };
  const retryable = e.code !== 'slack_webapi_platform_error' || e.data?.error === 'ratelimited';
  return new ChannelSendError(`Slack refused the message: ${e.data?.error ?? e.message}`, retryable);
}
