import { LoopbackServer } from './loopback-server.js';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { WebSocketServer, type WebSocket } from 'ws';

export const discordBot = { id: '900000000000000001', username: 'clawflow', discriminator: '0', bot: true, global_name: null, avatar: null };

/** One guild with a text channel and a thread under it. */
export const discordGuild = { id: '300000000000000001', channel: '300000000000000002', thread: '300000000000000003' };

interface Dispatch {
  s: number;
  t: string;
  d: unknown;
}

/**
 * Discord on 127.0.0.1 for discord.js: the REST API (`rest.api`: gateway/bot, create message, typing; recorded) and a
 * gateway WebSocket (JSON, no compression) that says HELLO, takes IDENTIFY and RESUME, sends READY and dispatches,
 * answers heartbeats, and can drop the connection.
 */
export class FakeDiscord extends LoopbackServer {
  readonly posted: Array<{ channelId: string; body: Record<string, unknown> }> = [];
  /** The bot's messages by id: an edit changes the posted entry's content, so `posted` shows what the user sees. */
  private readonly byId = new Map<string, { channelId: string; body: Record<string, unknown> }>();
  edits = 0;
  readonly typing: string[] = [];
  identifies = 0;
  resumes = 0;
  private wss: WebSocketServer | undefined;
  private socket: WebSocket | null = null;
  private seq = 0;
  private readonly dispatched: Dispatch[] = [];
  private sessionId = randomUUID();
  private nextId = 1_000_000_000_000_000_000n;
  /** The bytes of the files users attached, served at their attachment URLs. */
  private readonly files = new Map<string, Buffer>();

  get apiUrl(): string {
    return `${this.url}/api`;
  }

  protected override attach(server: Server): void {
    this.wss = new WebSocketServer({ server, path: '/gateway' });
    this.wss.on('connection', (socket) => this.connect(socket));
  }

  protected override beforeStop(): void {
    this.socket?.terminate();
    this.wss?.close();
  }

  connected(): boolean {
    return this.socket?.readyState === 1;
  }

  /** A user's message, in a direct message channel (or a guild channel or thread with `guildId`); returns its id. */
  userMessage(
    author: { id: string; username: string },
    channelId: string,
    content: string,
    guildId?: string,
    files: Array<{ name: string; contentType: string; bytes: Buffer; voice?: boolean }> = [],
  ): string {
    const attachments = files.map((file) => {
      const attachmentId = String(this.nextId++);
      this.files.set(attachmentId, file.bytes);
      const url = `${this.url}/attachments/${attachmentId}/${file.name}`;
      return {
        id: attachmentId,
        filename: file.name,
        content_type: file.contentType,
        size: file.bytes.length,
        url,
        proxy_url: url,
        ...(file.voice ? { duration_secs: 3, waveform: 'AAAA' } : {}),
      };
    });
    const voice = files.some((file) => file.voice);
    const mentions = content.includes(`<@${discordBot.id}>`) ? [discordBot] : [];
    const id = String(this.nextId++);
    this.dispatch('MESSAGE_CREATE', {
      id,
      channel_id: channelId,
      // Discord says what kind of channel it is: 1 a direct message, 0 a guild text channel, 11 a thread.
      channel_type: guildId ? (channelId === discordGuild.thread ? 11 : 0) : 1,
      ...(guildId ? { guild_id: guildId } : {}),
      author: { ...author, discriminator: '0', bot: false, global_name: author.username, avatar: null },
      content,
      timestamp: new Date().toISOString(),
      edited_timestamp: null,
      tts: false,
      mention_everyone: false,
      mentions,
      mention_roles: [],
      attachments,
      embeds: [],
      pinned: false,
      type: 0,
      // IS_VOICE_MESSAGE
      flags: voice ? 1 << 13 : 0,
    });
    return id;
  }

  /** Drops the gateway connection as a network failure would (the client resumes, and missed events are replayed). */
  dropConnection(): void {
    this.socket?.close(4000, 'unknown error');
    this.socket = null;
  }

  private dispatch(t: string, d: unknown): void {
    const event = { s: ++this.seq, t, d };
    this.dispatched.push(event);
    this.send({ op: 0, ...event });
  }

  private send(payload: unknown): void {
    if (this.socket?.readyState === 1) this.socket.send(JSON.stringify(payload));
  }

  private connect(socket: WebSocket): void {
    this.socket = socket;
    socket.send(JSON.stringify({ op: 10, d: { heartbeat_interval: 41_250 } }));
    socket.on('message', (data) => {
      const { op, d } = JSON.parse(String(data)) as { op: number; d: Record<string, unknown> | number | null };
      if (op === 1) return void socket.send(JSON.stringify({ op: 11 }));
      if (op === 2) {
        this.identifies += 1;
        this.sessionId = randomUUID();
        const ready = {
          v: 10,
          user: discordBot,
          guilds: [{ id: discordGuild.id, unavailable: true }],
          session_id: this.sessionId,
          resume_gateway_url: `${this.wsUrl}/gateway`,
          application: { id: discordBot.id, flags: 0 },
        };
        this.dispatch('READY', ready);
        return this.dispatch('GUILD_CREATE', {
          id: discordGuild.id,
          name: 'Test guild',
          icon: null,
          owner_id: '100000000000000042',
          roles: [
            {
              id: discordGuild.id,
              name: '@everyone',
              permissions: '2248473465835073',
              position: 0,
              color: 0,
              hoist: false,
              managed: false,
              mentionable: false,
              flags: 0,
            },
          ],
          emojis: [],
          stickers: [],
          features: [],
          member_count: 2,
          members: [],
          presences: [],
          voice_states: [],
          stage_instances: [],
          guild_scheduled_events: [],
          channels: [{ id: discordGuild.channel, type: 0, name: 'general', guild_id: discordGuild.id, position: 0, permission_overwrites: [] }],
          threads: [
            {
              id: discordGuild.thread,
              type: 11,
              name: 'a thread',
              guild_id: discordGuild.id,
              parent_id: discordGuild.channel,
              owner_id: '100000000000000042',
              thread_metadata: { archived: false, auto_archive_duration: 1440, archive_timestamp: new Date().toISOString(), locked: false },
              message_count: 0,
              member_count: 1,
            },
          ],
          joined_at: new Date().toISOString(),
          large: false,
          unavailable: false,
        });
      }
      if (op === 6) {
        this.resumes += 1;
        const since = Number((d as { seq: number }).seq);
        for (const event of this.dispatched.filter((e) => e.s > since && e.t !== 'READY')) this.send({ op: 0, ...event });
        return this.dispatch('RESUMED', null);
      }
    });
  }

  protected async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req as AsyncIterable<Buffer>) chunks.push(chunk);
    const path = (req.url ?? '').split('?')[0]!.replace(/^\/api\/v\d+/, '');
    const json = (status: number, body: unknown): void => void res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    const attachment = /^\/attachments\/(\d+)\//.exec(req.url ?? '');
    if (req.method === 'GET' && attachment) {
      const bytes = this.files.get(attachment[1]!);
      return void (bytes ? res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(bytes) : res.writeHead(404).end());
    }
    if (req.method === 'GET' && path === '/gateway/bot') {
      return json(200, {
        url: `${this.wsUrl}/gateway`,
        shards: 1,
        session_start_limit: { total: 1000, remaining: 999, reset_after: 0, max_concurrency: 1 },
      });
    }
    const create = /^\/channels\/(\d+)\/messages$/.exec(path);
    if (req.method === 'POST' && create) {
      const raw = Buffer.concat(chunks);
      let body: Record<string, unknown>;
      if ((req.headers['content-type'] ?? '').startsWith('multipart/form-data')) {
        // payload_json plus files[n] parts
        const text = raw.toString('latin1');
        const payload = /name="payload_json"[^\r]*\r\n(?:[^\r]*\r\n)*?\r\n([^\r]*)/.exec(text)?.[1] ?? '{}';
        const file = text.split(/--[^\r]+\r\n/).find((part) => part.includes('filename='));
        body = {
          ...(JSON.parse(payload) as Record<string, unknown>),
          file: file ? Buffer.from(file.slice(file.indexOf('\r\n\r\n') + 4, file.lastIndexOf('\r\n')), 'latin1') : undefined,
        };
      } else body = JSON.parse(raw.toString('utf8')) as Record<string, unknown>;
      const entry = { channelId: create[1]!, body };
      const id = String(this.nextId++);
      this.posted.push(entry);
      this.byId.set(id, entry);
      return json(200, botMessage(id, create[1]!, body.content));
    }
    const edited = /^\/channels\/(\d+)\/messages\/(\d+)$/.exec(path);
    if (req.method === 'PATCH' && edited) {
      const entry = this.byId.get(edited[2]!);
      if (!entry || entry.channelId !== edited[1]) return json(404, { message: 'Unknown Message', code: 10008 });
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>;
      entry.body = { ...entry.body, content: body.content };
      this.edits += 1;
      return json(200, botMessage(edited[2]!, edited[1]!, body.content));
    }
    const typing = /^\/channels\/(\d+)\/typing$/.exec(path);
    if (req.method === 'POST' && typing) {
      this.typing.push(typing[1]!);
      return void res.writeHead(204).end();
    }
    json(404, { message: '404: Not Found', code: 0 });
  }
}

/** A message of the bot's as Discord's REST API returns it (after a create or an edit). */
function botMessage(id: string, channelId: string, content: unknown): Record<string, unknown> {
  return { id, channel_id: channelId, author: discordBot, content, timestamp: new Date().toISOString(), type: 0, attachments: [], embeds: [], mentions: [] };
}
