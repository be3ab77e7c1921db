import { LoopbackServer } from './loopback-server.js';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

export const matrixBot = { userId: '@clawflow:fake.test', accessToken: 'syt_fake_matrix_token' };

interface Room {
  members: Set<string>;
  /** People invited who have not joined yet: members of the room too, as far as who is in it goes. */
  invited: Set<string>;
  /** Invited, not yet joined: the bot, by this user, to a direct chat or not. */
  invite?: { by: string; direct: boolean };
}

interface LoggedEvent {
  position: number;
  roomId: string;
  event: Record<string, unknown>;
}

/**
 * The parts of a Matrix homeserver's client-server API the connector uses (through matrix-js-sdk), on 127.0.0.1:
 * whoami, /sync with long polling, a `since` position and room summaries, invites and joins, sending (with
 * transaction ids), typing, joined members, fetching one event, and media upload and authenticated download. Every
 * request needs the bot's access token. What the bot sends is recorded.
 */
export class FakeMatrix extends LoopbackServer {
  readonly sent: Array<{ roomId: string; content: Record<string, unknown>; eventId: string }> = [];
  readonly typing: string[] = [];
  /** Requests this fake does not serve (a test that finds one here learns what the library asked). */
  readonly unknown: string[] = [];
  private readonly rooms = new Map<string, Room>();
  private readonly log: LoggedEvent[] = [];
  private readonly events = new Map<string, Record<string, unknown>>();
  private readonly media = new Map<string, { bytes: Buffer; type: string }>();
  private readonly transactions = new Map<string, string>();
  private waiters: Array<() => void> = [];
  private clock = Date.now();
  /** Media downloads wait while this is set (a test kills the connector meanwhile). */
  holdMedia: Promise<void> | null = null;

  /** A room with these people and the bot in it. */
  room(roomId: string, people: string[]): void {
    this.rooms.set(roomId, { members: new Set([...people, matrixBot.userId]), invited: new Set() });
  }

  /**
   * Someone invites the bot into a new room of theirs, saying it is a direct chat or not (`is_direct`), whatever the
   * room holds: others joined or invited besides them.
   */
  invite(roomId: string, by: string, direct: boolean, others: { joined?: string[]; invited?: string[] } = {}): void {
    this.rooms.set(roomId, { members: new Set([by, ...(others.joined ?? [])]), invited: new Set(others.invited ?? []), invite: { by, direct } });
    this.append(roomId, { type: 'invite' });
  }

  /** A room's messages from the bot as a client shows them: each with the text of its last edit (`m.replace`). */
  seen(roomId: string): string[] {
    const mine = this.sent.filter((m) => m.roomId === roomId);
    const edits = new Map<string, string>();
    for (const m of mine) {
      const relation = m.content['m.relates_to'] as { rel_type?: string; event_id?: string } | undefined;
      if (relation?.rel_type === 'm.replace') edits.set(relation.event_id!, String((m.content['m.new_content'] as { body: string }).body));
    }
    return mine
      .filter((m) => (m.content['m.relates_to'] as { rel_type?: string } | undefined)?.rel_type !== 'm.replace')
      .map((m) => edits.get(m.eventId) ?? String(m.content.body));
  }

  isMember(roomId: string): boolean {
    return this.rooms.get(roomId)?.members.has(matrixBot.userId) ?? false;
  }

  /** A message someone posts; returns its event id. */
  message(roomId: string, sender: string, content: Record<string, unknown>): string {
    const eventId = `$${randomUUID().replaceAll('-', '')}`;
    const event = { type: 'm.room.message', event_id: eventId, sender, origin_server_ts: ++this.clock, content, room_id: roomId };
    this.events.set(eventId, event);
    this.append(roomId, event);
    return eventId;
  }

  text(roomId: string, sender: string, body: string, extra: Record<string, unknown> = {}): string {
    return this.message(roomId, sender, { msgtype: 'm.text', body, ...extra });
  }

  encrypted(roomId: string, sender: string): void {
    const event = {
      type: 'm.room.encrypted',
      event_id: `$${randomUUID()}`,
      sender,
      origin_server_ts: ++this.clock,
      content: { algorithm: 'm.megolm.v1.aes-sha2', ciphertext: 'AwgA' },
    };
    this.append(roomId, event);
  }

  /** Media someone uploaded, by its mxc:// address. */
  upload(bytes: Buffer, type: string): string {
    const id = randomUUID().replaceAll('-', '');
    this.media.set(id, { bytes, type });
    return `mxc://fake.test/${id}`;
  }

  mediaBytes(mxc: string): Buffer | undefined {
    return this.media.get(mxc.split('/').at(-1)!)?.bytes;
  }

  private append(roomId: string, event: Record<string, unknown>): void {
    this.log.push({ position: this.log.length + 1, roomId, event });
    for (const wake of this.waiters.splice(0)) wake();
  }

  private json(res: ServerResponse, status: number, body: unknown): void {
    if (!res.destroyed) res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  }

  private async body(req: IncomingMessage): Promise<Buffer> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks);
  }

  /** Matrix's error shape, which the library reads. */
  protected override failed(res: ServerResponse, error: unknown): void {
    this.json(res, 500, { errcode: 'M_UNKNOWN', error: (error as Error).message });
  }

  protected override beforeStop(): void {
    for (const wake of this.waiters.splice(0)) wake();
  }

  protected async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://fake');
    const path = url.pathname;
    if (req.headers.authorization !== `Bearer ${matrixBot.accessToken}`)
      return this.json(res, 401, { errcode: 'M_UNKNOWN_TOKEN', error: 'Unknown access token' });
    const method = req.method ?? 'GET';
    let match: RegExpExecArray | null;
    if (method === 'GET' && path === '/_matrix/client/versions') return this.json(res, 200, { versions: ['v1.11'] });
    if (method === 'GET' && path === '/_matrix/client/v3/account/whoami') return this.json(res, 200, { user_id: matrixBot.userId });
    if (method === 'GET' && path === '/_matrix/client/v3/sync') return this.sync(url, res);
    if (method === 'GET' && (match = /^\/_matrix\/client\/v3\/rooms\/([^/]+)\/messages$/.exec(path)))
      return this.messages(decodeURIComponent(match[1]!), url, res);
    if (method === 'POST' && (match = /^\/_matrix\/client\/v3\/join\/([^/]+)$/.exec(path))) {
      await this.body(req);
      const roomId = decodeURIComponent(match[1]!);
      const room = this.rooms.get(roomId);
      if (!room) return this.json(res, 404, { errcode: 'M_NOT_FOUND', error: 'no such room' });
      room.members.add(matrixBot.userId);
      delete room.invite;
      return this.json(res, 200, { room_id: roomId });
    }
    if (method === 'PUT' && (match = /^\/_matrix\/client\/v3\/rooms\/([^/]+)\/send\/m\.room\.message\/([^/]+)$/.exec(path))) {
      const roomId = decodeURIComponent(match[1]!);
      const content = JSON.parse((await this.body(req)).toString('utf8')) as Record<string, unknown>;
      if (!this.isMember(roomId)) return this.json(res, 403, { errcode: 'M_FORBIDDEN', error: 'not in the room' });
      const txn = `${roomId}\0${match[2]}`;
      const known = this.transactions.get(txn);
      if (known) return this.json(res, 200, { event_id: known });
      const eventId = `$${randomUUID().replaceAll('-', '')}`;
      this.transactions.set(txn, eventId);
      this.sent.push({ roomId, content, eventId });
      this.events.set(eventId, {
        type: 'm.room.message',
        event_id: eventId,
        sender: matrixBot.userId,
        origin_server_ts: ++this.clock,
        content,
        room_id: roomId,
      });
      return this.json(res, 200, { event_id: eventId });
    }
    if (method === 'PUT' && (match = /^\/_matrix\/client\/v3\/rooms\/([^/]+)\/typing\/([^/]+)$/.exec(path))) {
      await this.body(req);
      this.typing.push(decodeURIComponent(match[1]!));
      return this.json(res, 200, {});
    }
    if (method === 'GET' && (match = /^\/_matrix\/client\/v3\/rooms\/([^/]+)\/joined_members$/.exec(path))) {
      const room = this.rooms.get(decodeURIComponent(match[1]!));
      return room
        ? this.json(res, 200, { joined: Object.fromEntries([...room.members].map((m) => [m, {}])) })
        : this.json(res, 404, { errcode: 'M_NOT_FOUND', error: 'no such room' });
    }
    if (method === 'GET' && (match = /^\/_matrix\/client\/v3\/rooms\/([^/]+)\/members$/.exec(path))) {
      const roomId = decodeURIComponent(match[1]!);
      const room = this.rooms.get(roomId);
      if (!room) return this.json(res, 404, { errcode: 'M_NOT_FOUND', error: 'no such room' });
      const member = (userId: string, membership: string) => ({
        type: 'm.room.member',
        state_key: userId,
        sender: userId,
        room_id: roomId,
        content: { membership },
      });
      return this.json(res, 200, { chunk: [...[...room.members].map((m) => member(m, 'join')), ...[...room.invited].map((m) => member(m, 'invite'))] });
    }
    if (method === 'GET' && (match = /^\/_matrix\/client\/v3\/rooms\/([^/]+)\/event\/([^/]+)$/.exec(path))) {
      const event = this.events.get(decodeURIComponent(match[2]!));
      return event ? this.json(res, 200, event) : this.json(res, 404, { errcode: 'M_NOT_FOUND', error: 'Event not found' });
    }
    if (method === 'POST' && path === '/_matrix/media/v3/upload') {
      const mxc = this.upload(await this.body(req), String(req.headers['content-type'] ?? 'application/octet-stream'));
      return this.json(res, 200, { content_uri: mxc });
    }
    if (method === 'GET' && (match = /^\/_matrix\/client\/v1\/media\/download\/([^/]+)\/([^/]+)/.exec(path))) {
      await this.holdMedia;
      const media = this.media.get(decodeURIComponent(match[2]!));
      if (!media) return this.json(res, 404, { errcode: 'M_NOT_FOUND', error: 'no such media' });
      return void res.writeHead(200, { 'content-type': media.type }).end(media.bytes);
    }
    this.unknown.push(`${method} ${path}`);
    await this.body(req);
    return this.json(res, 404, { errcode: 'M_UNRECOGNIZED', error: 'Unrecognized request' });
  }

  /** /messages backwards: a room's events at or before `from` and after `to`, newest first, `limit` at a time. */
  private messages(roomId: string, url: URL, res: ServerResponse): void {
    const from = Number(url.searchParams.get('from'));
    const to = Number(url.searchParams.get('to') ?? 0);
    const limit = Number(url.searchParams.get('limit') ?? 10);
    const older = this.log.filter((e) => e.roomId === roomId && e.position <= from && e.position > to && e.event.type !== 'invite').reverse();
    const chunk = older.slice(0, limit);
    const more = older.length > limit;
    this.json(res, 200, { start: String(from), chunk: chunk.map((e) => e.event), ...(more ? { end: String(chunk.at(-1)!.position - 1) } : {}) });
  }

  /** /sync: the events after `since` by room (waiting up to `timeout` ms for one), and the position to ask from next. */
  private sync(url: URL, res: ServerResponse): void {
    const since = Number(url.searchParams.get('since') ?? 0);
    const timeout = Number(url.searchParams.get('timeout') ?? 0);
    const filter = JSON.parse(url.searchParams.get('filter') ?? '{}') as { room?: { timeline?: { limit?: number } } };
    const limit = filter.room?.timeline?.limit ?? 10;
    const answer = (): void => {
      const fresh = this.log.filter((entry) => entry.position > since);
      const join: Record<
        string,
        { summary: Record<string, number>; timeline: { events: unknown[]; limited: boolean; prev_batch?: string }; positions: number[] }
      > = {};
      const invite: Record<string, { invite_state: { events: unknown[] } }> = {};
      for (const { roomId, event } of fresh) {
        const room = this.rooms.get(roomId);
        if (room?.invite) {
          invite[roomId] = {
            invite_state: {
              events: [
                {
                  type: 'm.room.member',
                  state_key: matrixBot.userId,
                  sender: room.invite.by,
                  event_id: `$invite-${roomId}`,
                  origin_server_ts: this.clock,
                  content: { membership: 'invite', ...(room.invite.direct ? { is_direct: true } : {}) },
                },
              ],
            },
          };
          continue;
        }
        if (!room?.members.has(matrixBot.userId) || event.type === 'invite') continue;
        join[roomId] ??= {
          summary: { 'm.joined_member_count': room.members.size, 'm.invited_member_count': room.invited.size },
          timeline: { events: [], limited: false },
          positions: [],
        };
        join[roomId].timeline.events.push(event);
        join[roomId].positions.push(this.log.find((e) => e.event === event)!.position);
      }
      // Past the filter's limit, a room shows its newest events and says where the gap before them starts.
      for (const room of Object.values(join)) {
        if (room.timeline.events.length > limit) {
          const cut = room.timeline.events.length - limit;
          room.timeline = { events: room.timeline.events.slice(cut), limited: true, prev_batch: String(room.positions[cut]! - 1) };
        }
      }
      const rooms = Object.fromEntries(Object.entries(join).map(([id, { summary, timeline }]) => [id, { summary, timeline }]));
      this.json(res, 200, { next_batch: String(this.log.length), rooms: { join: rooms, invite, leave: {} } });
    };
    if (this.log.length > since || timeout === 0) return answer();
    const wake = (): void => {
      clearTimeout(timer);
      answer();
    };
    const timer = setTimeout(() => {
      this.waiters = this.waiters.filter((w) => w !== wake);
      answer();
    }, timeout);
    res.on('close', () => {
      clearTimeout(timer);
      this.waiters = this.waiters.filter((w) => w !== wake);
    });
    this.waiters.push(wake);
  }
}
