import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { createClient, MatrixError, Method, type MatrixClient } from 'matrix-js-sdk';
import { writeFileAtomic } from '../../fs/atomic-write.js';
import { sniffImageType } from '../../fs/image-type.js';
import type { ReplyRoute } from '../../contracts/session-records.js';
import type { Logger } from '../../logger.js';
import { ChannelSendError, type ChannelAdapter, type ChannelMessage, type ChannelStatus } from '../../contracts/channel-adapter.js';
import { PollBackoff } from '../../connectors/inbound/poll-backoff.js';
import { HandoverAttempts } from '../../connectors/inbound/handover-attempts.js';
import { backfillLimit, eventSchema, messageContent, syncFilter, syncSchema, withoutReplyFallback, type RoomEvent, type Sync } from './wire.js';
import { matrixMedia } from './media.js';

export interface MatrixOptions {
  homeserverUrl: string;
  userId: string;
  accessToken: string;
  pollTimeoutSeconds: number;
  /** Where the sync position is kept: advanced only once every message before it was handed over. */
  syncFile: string;
  /** Whether to join a room a person invites the bot to (a direct chat, or a group it may take part in). */
  mayJoin(invite: { roomId: string; inviter: string; direct: boolean }): boolean;
  logger: Logger;
}

/** A long message is split below this: an edit carries its text twice, and Matrix takes events up to 64 KiB (8,000
characters of three UTF-8 bytes each, twice, fit). */
const matrixMessageLimit = 8_000;
/**
 * Matrix through matrix-js-sdk's client (its authenticated HTTP API, media and errors), with ClawFlow's own sync loop:
 * the sync position (`next_batch`) is written down only once every message before it was handed to its session, so
 * a connector stopped at any moment reads them again (the session drops the repeat). Rooms of two are direct chats;
 * threads are sessions of their own. End-to-end-encrypted rooms are not read (see the README).
 */
export class MatrixAdapter implements ChannelAdapter {
  readonly channel = 'matrix';
  readonly messageLimit = matrixMessageLimit;
  private readonly client: MatrixClient;
  private readonly abort = new AbortController();
  private polling: Promise<void> | null = null;
  private current: ChannelStatus = { channel: 'matrix', state: 'starting' };
  /**
   * Members per room, joined and invited, from sync summaries (which say only what changed), or asked for once when
   * they have not said. A room is a direct chat when it holds two: never because an invitation called it one.
   */
  private readonly members = new Map<string, { joined?: number; invited?: number }>();
  /** Rooms told that encrypted messages cannot be read (once each). */
  private readonly toldEncrypted = new Set<string>();
  private readonly attempts = new HandoverAttempts();

  constructor(private readonly options: MatrixOptions) {
    const quiet = { trace() {}, debug() {}, info() {}, warn() {}, error() {}, getChild: () => quiet };
    this.client = createClient({ baseUrl: options.homeserverUrl, accessToken: options.accessToken, userId: options.userId, logger: quiet as never });
  }

  status(): ChannelStatus {
    return { ...this.current };
  }

  async start(onMessage: (message: ChannelMessage) => Promise<void>): Promise<void> {
    const me = await this.client.http.authedRequest<{ user_id: string }>(Method.Get, '/account/whoami').catch((error: Error) => {
      throw new Error(`Matrix: ${this.options.homeserverUrl} did not accept the access token (${error.message})`);
    });
    if (me.user_id !== this.options.userId)
      throw new Error(`Matrix: the access token is ${me.user_id}'s, not ${this.options.userId}'s (channels.matrix.userId)`);
    // The first start ever marks where reading begins (what is older is history, not messages to answer), before the
    // connector says it is ready: a message sent once it is, is read.
    const since = (await this.readSince()) ?? (await this.markStart());
    this.current = { channel: 'matrix', state: 'connected', detail: this.options.userId };
    this.polling = this.poll(since, onMessage);
  }

  private async markStart(): Promise<string> {
    const first = syncSchema.parse(await this.client.http.authedRequest(Method.Get, '/sync', { filter: syncFilter, timeout: '0' }));
    // Invitations waiting from before are answered (later syncs do not repeat them); messages are history.
    for (const [roomId, invite] of Object.entries(first.rooms?.invite ?? {})) await this.answerInvite(roomId, invite.invite_state?.events ?? []);
    await this.saveSince(first.next_batch);
    return first.next_batch;
  }

  async stop(): Promise<void> {
    this.abort.abort();
    await this.polling?.catch(() => undefined);
    this.client.stopClient();
    this.current = { ...this.current, state: 'stopped' };
  }

  async send(route: ReplyRoute, text: string): Promise<void> {
    await this.post(route, text);
  }

  async post(route: ReplyRoute, text: string): Promise<string> {
    return this.sendEvent(route, { msgtype: 'm.text', body: text });
  }

  /** An edit (`m.replace`): clients show the new text in place of the old; older ones see "* new text". */
  async edit(route: ReplyRoute, messageId: string, text: string): Promise<void> {
    await this.sendEvent(
      { ...route, thread: undefined, replyTo: undefined },
      {
        msgtype: 'm.text',
        body: `* ${text}`,
        'm.new_content': { msgtype: 'm.text', body: text },
        'm.relates_to': { rel_type: 'm.replace', event_id: messageId },
      },
    );
  }

  async sendImage(route: ReplyRoute, file: string): Promise<void> {
    try {
      const bytes = await readFile(file);
      const mimetype = sniffImageType(bytes) ?? 'image/jpeg';
      const { content_uri: url } = await this.client.uploadContent(bytes, { name: basename(file), type: mimetype });
      await this.sendEvent(route, { msgtype: 'm.image', body: basename(file), url, info: { mimetype, size: bytes.length } });
    } catch (error) {
      throw this.sendError(error);
    }
  }

  async typing(route: ReplyRoute): Promise<void> {
    await this.client.http.authedRequest(Method.Put, `/rooms/${encodeURIComponent(route.chat)}/typing/${encodeURIComponent(this.options.userId)}`, undefined, {
      typing: true,
      timeout: 30_000,
    });
  }

  /** A message into the route's room: in its thread, answering the message it answers. Its event id. */
  private async sendEvent(route: ReplyRoute, content: Record<string, unknown>): Promise<string> {
    const inReplyTo = route.replyTo ? { 'm.in_reply_to': { event_id: route.replyTo } } : {};
    // In a thread, the thread; in a group's timeline, a reply to the message it answers; in a direct chat, plainly.
    const relation: Record<string, unknown> = route.thread
      ? { 'm.relates_to': { rel_type: 'm.thread', event_id: route.thread, is_falling_back: true, ...inReplyTo } }
      : (this.knownMembers(route.chat) ?? 2) > 2 && route.replyTo
        ? { 'm.relates_to': inReplyTo }
        : {};
    try {
      const sent = await this.client.http.authedRequest<{ event_id: string }>(
        Method.Put,
        `/rooms/${encodeURIComponent(route.chat)}/send/m.room.message/${randomUUID()}`,
        undefined,
        { ...relation, ...content },
      );
      return sent.event_id;
    } catch (error) {
      throw this.sendError(error);
    }
  }

  private sendError(error: unknown): ChannelSendError {
    if (error instanceof MatrixError) {
      const status = error.httpStatus ?? 0;
      return new ChannelSendError(
        `Matrix refused the message (${status} ${error.errcode ?? ''}): ${error.data.error ?? error.message}`,
        status === 429 || status >= 500,
      );
    }
    return new ChannelSendError(`the Matrix homeserver is unreachable: ${(error as Error).message}`, true);
  }

  private async readSince(): Promise<string | null> {
    try {
      return (JSON.parse(await readFile(this.options.syncFile, 'utf8')) as { since?: string }).since ?? null;
    } catch {
      return null;
    }
  }

  private async saveSince(since: string): Promise<void> {
    await writeFileAtomic(this.options.syncFile, JSON.stringify({ since }), 0o600);
  }

  private async poll(from: string, onMessage: (message: ChannelMessage) => Promise<void>): Promise<void> {
    let since = from;
    const backoff = new PollBackoff();
    while (!this.abort.signal.aborted) {
      let sync: Sync;
      try {
        const query: Record<string, string> = { filter: syncFilter, timeout: String(this.options.pollTimeoutSeconds * 1000), since };
        const raw = await this.client.http.authedRequest(Method.Get, '/sync', query, undefined, {
          abortSignal: this.abort.signal,
          localTimeoutMs: (this.options.pollTimeoutSeconds + 30) * 1000,
          priority: 'auto',
        });
        sync = syncSchema.parse(raw);
        this.current = { ...this.current, state: 'connected', detail: this.options.userId };
        backoff.reset();
      } catch (error) {
        if (this.abort.signal.aborted) return;
        this.current = { ...this.current, state: 'retrying', detail: (error as Error).message };
        this.options.logger.warn({ err: (error as Error).message, retryInMs: backoff.nextMs }, 'Matrix sync failed');
        await backoff.wait(this.abort.signal);
        continue;
      }
      try {
        await this.handle(sync, since, onMessage);
      } catch (error) {
        // Stopping, or the homeserver failed mid-way: the position stays, and the same events come again.
        if (this.abort.signal.aborted) return;
        this.options.logger.warn({ err: (error as Error).message, retryInMs: backoff.nextMs }, 'Matrix: could not read a sync through; reading it again');
        await backoff.wait(this.abort.signal);
        continue;
      }
      since = sync.next_batch;
      await this.saveSince(since);
    }
  }

  /** One sync's invitations and messages, in order; throws only while stopping (the position is then not advanced). */
  private async handle(sync: Sync, since: string, onMessage: (message: ChannelMessage) => Promise<void>): Promise<void> {
    for (const [roomId, invite] of Object.entries(sync.rooms?.invite ?? {})) await this.answerInvite(roomId, invite.invite_state?.events ?? []);
    for (const [roomId, room] of Object.entries(sync.rooms?.join ?? {})) {
      const joined = room.summary?.['m.joined_member_count'];
      const invited = room.summary?.['m.invited_member_count'];
      if (joined !== undefined || invited !== undefined) {
        const known = this.members.get(roomId) ?? {};
        this.members.set(roomId, { ...known, ...(joined !== undefined ? { joined } : {}), ...(invited !== undefined ? { invited } : {}) });
      }
      // More came than one sync shows (the connector was away): the rest is read back first, oldest first.
      const missed = room.timeline?.limited && room.timeline.prev_batch ? await this.readBack(roomId, room.timeline.prev_batch, since) : [];
      for (const raw of [...missed, ...(room.timeline?.events ?? [])]) {
        const event = eventSchema.safeParse(raw);
        if (!event.success || event.data.sender === this.options.userId) continue;
        try {
          const message = await this.normalize(roomId, event.data);
          if (message) await onMessage(message);
        } catch (error) {
          // Stopping, or a passing failure: the sync is read again. One event that keeps failing is given up.
          if (this.abort.signal.aborted || !this.attempts.failed(event.data.event_id)) throw error;
          this.options.logger.error(
            { roomId, eventId: event.data.event_id, err: (error as Error).message },
            'Matrix: gave up a message that could not be handed over five times',
          );
        }
        this.attempts.succeeded(event.data.event_id);
        this.current = { ...this.current, lastEventAt: new Date().toISOString() };
      }
    }
  }

  /** The events of a room between the last position read (`since`) and a sync's gap (`from`), oldest first. */
  private async readBack(roomId: string, from: string, since: string): Promise<unknown[]> {
    const events: unknown[] = [];
    let token: string | undefined = from;
    const filter = JSON.stringify({ types: ['m.room.message', 'm.room.encrypted'] });
    // An empty page is not the end (events may be filtered out of it): only a page without `end` is.
    for (let pages = 0; token && events.length < backfillLimit && pages < 200; pages++) {
      const page: { chunk?: unknown[]; end?: string } = await this.client.http.authedRequest(Method.Get, `/rooms/${encodeURIComponent(roomId)}/messages`, {
        from: token,
        to: since,
        dir: 'b',
        limit: '100',
        filter,
      });
      events.push(...(page.chunk ?? []));
      token = page.end === token ? undefined : page.end;
    }
    if (events.length >= backfillLimit)
      this.options.logger.warn(
        { roomId, read: events.length },
        'Matrix: read back the newest events this room had while the connector was away; older ones were left',
      );
    return events.reverse();
  }

  private async answerInvite(roomId: string, state: unknown[]): Promise<void> {
    const invite = state
      .map((e) => eventSchema.safeParse(e))
      .find((e) => e.success && e.data.type === 'm.room.member' && e.data.state_key === this.options.userId)?.data;
    if (!invite) return;
    const direct = invite.content.is_direct === true;
    if (!this.options.mayJoin({ roomId, inviter: invite.sender, direct })) {
      this.options.logger.info(
        { roomId, inviter: invite.sender, direct },
        'Matrix: left an invitation unanswered (the inviter may not talk to the agent here)',
      );
      return;
    }
    await this.client.http.authedRequest(Method.Post, `/join/${encodeURIComponent(roomId)}`, undefined, {}).then(
      () => {
        // What the room is decides how it is treated, not what the invitation says (is_direct is the inviter's word).
        this.members.delete(roomId);
        this.options.logger.info({ roomId, inviter: invite.sender }, 'Matrix: joined a room on invitation');
      },
      (error: Error) => this.options.logger.warn({ roomId, err: error.message }, 'Matrix: could not join a room'),
    );
  }

  /** Joined and invited members, when both are known (an invited member counts: the room is theirs too). */
  private knownMembers(roomId: string): number | undefined {
    const known = this.members.get(roomId);
    return known?.joined !== undefined ? known.joined + (known.invited ?? 0) : undefined;
  }

  /** How many people are in a room, joined or invited (a direct chat has two). */
  private async memberCount(roomId: string): Promise<number> {
    const known = this.knownMembers(roomId);
    if (known !== undefined) return known;
    const { chunk } = await this.client.http.authedRequest<{ chunk?: Array<{ content?: { membership?: string } }> }>(
      Method.Get,
      `/rooms/${encodeURIComponent(roomId)}/members`,
      { not_membership: 'leave' },
    );
    const count = (membership: string): number => (chunk ?? []).filter((event) => event.content?.membership === membership).length;
    this.members.set(roomId, { joined: count('join'), invited: count('invite') });
    return count('join') + count('invite');
  }

  private async normalize(roomId: string, event: RoomEvent): Promise<ChannelMessage | null> {
    if (event.type === 'm.room.encrypted') {
      if (!this.toldEncrypted.has(roomId)) {
        this.toldEncrypted.add(roomId);
        this.options.logger.warn({ roomId }, 'Matrix: an end-to-end-encrypted message came; ClawFlow cannot read encrypted rooms');
        await this.send(
          { channel: 'matrix', chat: roomId },
          "This room is end-to-end encrypted, and I can't read encrypted messages. Please talk to me in a room without encryption.",
        ).catch(() => undefined);
      }
      return null;
    }
    const parsed = messageContent.safeParse(event.content);
    // Notices are what bots send: never answered, so two bots do not talk forever.
    if (!parsed.success || parsed.data.msgtype === 'm.notice') return null;
    const content = parsed.data;
    const relation = content['m.relates_to'];
    const edited = relation?.rel_type === 'm.replace';
    const thread = relation?.rel_type === 'm.thread' ? relation.event_id : undefined;
    const media = matrixMedia(this.client, this.options.accessToken, content);
    const ownText = withoutReplyFallback(content.body);
    let text = edited ? (content['m.new_content']?.body ?? '') : ownText;
    // A file's body is its name; a caption comes as the body beside a `filename`.
    if (media.length) text = content.filename && content.filename !== content.body ? content.body : '';
    if (!text.trim() && !media.length) return null;
    if (edited) text = `[The user edited an earlier message; it now reads:]\n${text}`;
    const direct = (await this.memberCount(roomId)) <= 2;
    const me = this.options.userId;
    const mentioned = content['m.mentions']?.user_ids?.includes(me) === true || ownText.includes(me);
    const repliesTo = relation?.['m.in_reply_to']?.event_id;
    const addressedToBot = mentioned || (!direct && !!repliesTo && (await this.senderOf(roomId, repliesTo)) === me);
    return {
      channel: 'matrix',
      account: me,
      chat: roomId,
      chatType: direct ? 'direct' : 'group',
      sender: { id: event.sender },
      ...(thread ? { thread, inThread: true } : {}),
      messageId: event.event_id,
      text: text.replaceAll(me, '').trim() || text.trim(),
      attachments: [],
      ...(media.length ? { media } : {}),
      addressedToBot,
      sentAt: new Date(event.origin_server_ts).toISOString(),
    };
  }

  private async senderOf(roomId: string, eventId: string): Promise<string | null> {
    try {
      const event = await this.client.http.authedRequest<{ sender?: string }>(
        Method.Get,
        `/rooms/${encodeURIComponent(roomId)}/event/${encodeURIComponent(eventId)}`,
      );
      return event.sender ?? null;
    } catch {
      return null;
    }
  }
}
