import { LoopbackServer } from './loopback-server.js';
import { createHmac, randomUUID } from 'node:crypto';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { WebSocketServer, type WebSocket } from 'ws';

export const slackBot = { userId: 'UBOT0001', botId: 'BBOT0001', team: 'T0TEAM01', appId: 'A0APP001' };

/**
 * Slack on 127.0.0.1 for Bolt: the Web API (`slackApiUrl`: auth.test, apps.connections.open, chat.postMessage,
 * recorded) and a Socket Mode WebSocket that sends event envelopes and records the acknowledgements.
 */
export class FakeSlack extends LoopbackServer {
  readonly posted: Array<Record<string, string>> = [];
  /** The bot's messages by ts: chat.update changes the posted entry's text, so `posted` shows what the user sees. */
  private readonly byTs = new Map<string, Record<string, string>>();
  updates = 0;
  readonly acks: string[] = [];
  private wss: WebSocketServer | undefined;
  private sockets = new Set<WebSocket>();
  private ts = 1_700_000_000;

  get apiUrl(): string {
    return `http://127.0.0.1:${this.port}/api/`;
  }

  protected override attach(server: Server): void {
    this.wss = new WebSocketServer({ server, path: '/link' });
    this.wss.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
      socket.on('message', (data) => {
        const message = JSON.parse(String(data)) as { envelope_id?: string };
        if (message.envelope_id) this.acks.push(message.envelope_id);
      });
      socket.send(
        JSON.stringify({
          type: 'hello',
          num_connections: 1,
          debug_info: { host: 'fake', approximate_connection_time: 18060 },
          connection_info: { app_id: slackBot.appId },
        }),
      );
    });
  }

  protected override beforeStop(): void {
    for (const socket of this.sockets) socket.terminate();
    this.wss?.close();
  }

  connected(): boolean {
    return this.sockets.size > 0;
  }

  /** Files users shared, served at /files/<id> to the bot token only (as files.slack.com serves url_private_download). */
  private readonly files = new Map<string, Buffer>();
  readonly fileDownloads: Array<{ id: string; authorization: string | undefined }> = [];

  /** A file share's `files` entry for a message event; its bytes are served to the bot token. */
  sharedFile(name: string, mimetype: string, bytes: Buffer, extra: Record<string, unknown> = {}): Record<string, unknown> {
    const id = `F${randomUUID().slice(0, 8).toUpperCase()}`;
    this.files.set(id, bytes);
    const url = `http://127.0.0.1:${this.port}/files/${id}/${encodeURIComponent(name)}`;
    return { id, name, mimetype, size: bytes.length, url_private: url, url_private_download: `${url}?download=1`, ...extra };
  }

  /** An Events API callback for a user's message, as Slack builds it. */
  messageEvent(
    event: { channel: string; user: string; text: string; channel_type: 'im' | 'channel'; thread_ts?: string; subtype?: string; files?: unknown[] },
    eventId = `Ev${randomUUID().slice(0, 8)}`,
  ) {
    const ts = `${this.ts++}.000100`;
    return {
      token: 'verification-token',
      team_id: slackBot.team,
      api_app_id: slackBot.appId,
      event: { type: 'message', ...event, ts, event_ts: ts, client_msg_id: randomUUID() },
      type: 'event_callback',
      event_id: eventId,
      event_time: Math.floor(Date.now() / 1000),
    };
  }

  /** Sends an envelope over Socket Mode; returns its envelope id. */
  sendEnvelope(payload: unknown, retryAttempt = 0): string {
    const envelopeId = randomUUID();
    const text = JSON.stringify({
      envelope_id: envelopeId,
      type: 'events_api',
      accepts_response_payload: false,
      retry_attempt: retryAttempt,
      retry_reason: retryAttempt ? 'timeout' : '',
      payload,
    });
    for (const socket of this.sockets) socket.send(text);
    return envelopeId;
  }

  protected async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req as AsyncIterable<Buffer>) chunks.push(chunk);
    const raw = Buffer.concat(chunks).toString('utf8');
    const params: Record<string, string> = (req.headers['content-type'] ?? '').includes('json')
      ? (JSON.parse(raw || '{}') as Record<string, string>)
      : Object.fromEntries(new URLSearchParams(raw));
    const file = /^\/files\/(F[0-9A-F]+)\//.exec(req.url ?? '')?.[1];
    if (file) {
      this.fileDownloads.push({ id: file, authorization: req.headers.authorization });
      const bytes = this.files.get(file);
      if (req.headers.authorization !== 'Bearer xoxb-test-token' || !bytes) return void res.writeHead(404).end();
      return void res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(bytes);
    }
    const method = (req.url ?? '').replace(/^\/api\//, '').split('?')[0];
    const ok = (body: Record<string, unknown>): void =>
      void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ ok: true, ...body }));
    switch (method) {
      case 'auth.test':
        return ok({ url: 'https://fake.slack.com/', team: 'Fake', user: 'clawflow', team_id: slackBot.team, user_id: slackBot.userId, bot_id: slackBot.botId });
      case 'apps.connections.open':
        return ok({ url: `ws://127.0.0.1:${this.port}/link` });
      case 'chat.postMessage': {
        const ts = `${this.ts++}.000200`;
        this.posted.push(params);
        this.byTs.set(ts, params);
        return ok({ channel: params.channel, ts, message: { text: params.text } });
      }
      case 'chat.update': {
        const message = this.byTs.get(params.ts!);
        if (!message || message.channel !== params.channel)
          return void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ ok: false, error: 'message_not_found' }));
        message.text = params.text!;
        this.updates += 1;
        return ok({ channel: params.channel, ts: params.ts, text: params.text });
      }
      default:
        return ok({});
    }
  }
}

/** Slack's request signature (v0) for the HTTP Events API. */
export function signSlackRequest(signingSecret: string, body: string, timestamp = Math.floor(Date.now() / 1000)): Record<string, string> {
  const signature = `v0=${createHmac('sha256', signingSecret).update(`v0:${timestamp}:${body}`).digest('hex')}`;
  return { 'x-slack-request-timestamp': String(timestamp), 'x-slack-signature': signature, 'content-type': 'application/json' };
}
