import { WebSocket } from 'ws';
import { rawRequest } from '../helpers/raw-http.js';

interface HistoryEntry {
  role: string;
  text: string;
}

/**
 * One person in the WebChat, as the page behaves: a cookie from the link `clawflow start` prints, a socket that is
 * opened again whenever it drops (the connector died), and each message sent again with the same id until the
 * connector accepts it. What the person saw is kept: every live reply, and the conversation as the WebChat shows it
 * after each reconnect.
 */
export class WebChatUser {
  /** Live replies received, in order. */
  readonly replies: string[] = [];
  /** When each live reply arrived (Date.now()), beside `replies`: to place a repeat among the kills. */
  readonly replyTimes: number[] = [];
  /** When each socket opened and closed (Date.now()). */
  readonly socketEvents: Array<{ event: 'open' | 'close'; at: number }> = [];
  /** The conversation as last shown on (re)connecting. */
  history: HistoryEntry[] = [];
  private socket: WebSocket | null = null;
  private cookie = '';
  private closed = false;
  private readonly unaccepted = new Map<string, string>();
  /** The ids of the reply parts shown, as the page keeps them. */
  private readonly shownReplies = new Set<string>();
  private readonly listeners = new Set<() => void>();

  constructor(
    private readonly openUrl: string,
    private readonly origin: string,
  ) {}

  async start(): Promise<void> {
    for (;;) {
      const opened = await rawRequest(this.openUrl).catch(() => null);
      if (opened?.status === 303) {
        this.cookie = String(opened.headers['set-cookie']).split(';')[0]!;
        break;
      }
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    this.connect();
  }

  /** Sends a message (again on every reconnect until it is accepted). */
  send(id: string, text: string): void {
    this.unaccepted.set(id, text);
    this.trySend(id, text);
  }

  /** Whether the user has seen an answer containing `marker`, live or in the conversation shown after a reconnect. */
  answered(marker: string): boolean {
    return this.replies.some((r) => r.includes(marker)) || this.history.some((e) => e.role === 'assistant' && e.text.includes(marker));
  }

  /** Resolves when something arrives (a frame) or the socket changes. */
  changed(): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        this.listeners.delete(done);
        resolve();
      };
      this.listeners.add(done);
    });
  }

  /** Opens the page again (a reload): the conversation it shows is the WebChat's record of it. */
  async reload(timeoutMs = 10_000): Promise<void> {
    const before = this.history;
    this.socket?.terminate();
    const deadline = Date.now() + timeoutMs;
    while (this.history === before && Date.now() < deadline) await Promise.race([this.changed(), new Promise((resolve) => setTimeout(resolve, 200))]);
  }

  close(): void {
    this.closed = true;
    this.socket?.terminate();
  }

  private notify(): void {
    for (const listener of [...this.listeners]) listener();
  }

  private trySend(id: string, text: string): void {
    if (this.socket?.readyState === WebSocket.OPEN) this.socket.send(JSON.stringify({ type: 'message', id, text }));
  }

  private connect(): void {
    if (this.closed) return;
    const socket = new WebSocket(`${this.origin.replace('http', 'ws')}/ws`, { headers: { origin: this.origin, cookie: this.cookie } });
    this.socket = socket;
    let retried = false;
    const retry = (): void => {
      if (retried) return;
      retried = true;
      this.notify();
      setTimeout(() => this.connect(), 200);
    };
    socket.on('open', () => {
      this.socketEvents.push({ event: 'open', at: Date.now() });
      for (const [id, text] of this.unaccepted) this.trySend(id, text);
    });
    socket.on('message', (data) => {
      const frame = JSON.parse(String(data)) as { type: string; id?: string; text?: string; entries?: HistoryEntry[] };
      if (frame.type === 'accepted' && frame.id) this.unaccepted.delete(frame.id);
      // As the page does: a reply part is shown once, whatever a retried delivery sends again under its id.
      const repeated = frame.type === 'reply' && frame.id !== undefined && this.shownReplies.has(frame.id);
      if (frame.type === 'reply' && frame.id) this.shownReplies.add(frame.id);
      if (frame.type === 'reply' && typeof frame.text === 'string' && !repeated) {
        this.replies.push(frame.text);
        this.replyTimes.push(Date.now());
      }
      if (frame.type === 'history' && frame.entries) this.history = frame.entries;
      // Not handed over (Temporal was down): the page sends it again a moment later.
      if (frame.type === 'error' && frame.id && this.unaccepted.has(frame.id)) {
        const text = this.unaccepted.get(frame.id)!;
        setTimeout(() => this.trySend(frame.id!, text), 500);
      }
      this.notify();
    });
    socket.on('error', () => undefined);
    socket.on('close', () => {
      this.socketEvents.push({ event: 'close', at: Date.now() });
      retry();
    });
    socket.on('unexpected-response', () => retry());
  }
}
