import { LoopbackServer } from './loopback-server.js';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

export const signalBot = { number: '+15550000001', uuid: '9b5a3e3c-0000-4000-8000-0000000000b1' };

export interface SignalPerson {
  number: string;
  uuid: string;
  name: string;
}

export interface SignalCall {
  method: string;
  params: Record<string, unknown>;
  at: number;
  /** Answered with an error (a fault the test asked for). */
  failed?: boolean;
}

interface Waiter {
  timer: NodeJS.Timeout;
  respond: () => void;
}

/**
 * signal-cli's JSON-RPC daemon over HTTP (`daemon --http --receive-mode=manual`) on 127.0.0.1, as it answers:
 * `/api/v1/check`, and on `/api/v1/rpc` `receive` (long polling; a message handed out is gone, as signal-cli has then
 * acknowledged it to Signal), `send`, `sendTyping`, `getUserStatus` and `getAttachment`, with JSON-RPC errors sent
 * with HTTP 200 and signal-cli's codes. Every call is recorded.
 */
export class FakeSignal extends LoopbackServer {
  readonly calls: SignalCall[] = [];
  private readonly inbox: Array<Record<string, unknown>> = [];
  private readonly attachments = new Map<string, Buffer>();
  private waiters: Waiter[] = [];
  private clock = Date.now();
  /** Answers the next `send` calls with this JSON-RPC error. */
  private failures: Array<{ code: number; message: string }> = [];
  /** The daemon runs in its default receive mode: `receive` is refused, as signal-cli refuses it then. */
  receivesOnItsOwn = false;
  /** getAttachment waits while this is set (a test kills the connector meanwhile). */
  holdAttachments: Promise<void> | null = null;

  /** The calls of one method that succeeded, their params. */
  sent(method = 'send'): Array<Record<string, unknown>> {
    return this.calls.filter((c) => c.method === method && !c.failed).map((c) => c.params);
  }

  /** Messages `receive` has not handed out yet. */
  get waiting(): number {
    return this.inbox.length;
  }

  failNextSends(count: number, code: number, message: string): void {
    this.failures.push(...Array.from({ length: count }, () => ({ code, message })));
  }

  /** A message from someone, as signal-cli reports it; returns its timestamp. */
  userMessage(
    from: SignalPerson,
    text: string | null,
    options: {
      groupId?: string;
      mentionBot?: boolean;
      quoteBot?: boolean;
      attachments?: Array<{ contentType: string; filename: string | null; bytes: Buffer }>;
    } = {},
  ): number {
    const timestamp = ++this.clock;
    // A mention is U+FFFC in the text, and an entry naming whom it is.
    const message = options.mentionBot ? `\uFFFC ${text ?? ''}` : text;
    const attachments = (options.attachments ?? []).map(({ contentType, filename, bytes }) => {
      const id = `${randomUUID().replaceAll('-', '').slice(0, 20)}.${contentType.split('/')[1]}`;
      this.attachments.set(id, bytes);
      return { contentType, filename, id, size: bytes.length, width: null, height: null, caption: null, uploadTimestamp: timestamp };
    });
    this.push({
      account: signalBot.number,
      envelope: {
        source: from.number,
        sourceNumber: from.number,
        sourceUuid: from.uuid,
        sourceName: from.name,
        sourceDevice: 1,
        timestamp,
        serverReceivedTimestamp: timestamp + 5,
        serverDeliveredTimestamp: timestamp + 6,
        dataMessage: {
          timestamp,
          message,
          expiresInSeconds: 0,
          isExpirationUpdate: false,
          viewOnce: false,
          ...(options.mentionBot ? { mentions: [{ name: signalBot.number, number: signalBot.number, uuid: signalBot.uuid, start: 0, length: 1 }] } : {}),
          ...(options.quoteBot
            ? {
                quote: {
                  id: timestamp - 1,
                  author: signalBot.number,
                  authorNumber: signalBot.number,
                  authorUuid: signalBot.uuid,
                  text: 'earlier',
                  attachments: [],
                },
              }
            : {}),
          ...(attachments.length ? { attachments } : {}),
          ...(options.groupId ? { groupInfo: { groupId: options.groupId, groupName: 'Test group', revision: 3, type: 'DELIVER' } } : {}),
        },
      },
    });
    return timestamp;
  }

  /** Something that is not a message: a typing indicator, or a read receipt. */
  userActivity(from: SignalPerson, kind: 'typing' | 'receipt'): void {
    const timestamp = ++this.clock;
    const activity =
      kind === 'typing'
        ? { typingMessage: { action: 'STARTED', timestamp } }
        : { receiptMessage: { when: timestamp, isDelivery: false, isRead: true, isViewed: false, timestamps: [timestamp - 1] } };
    this.push({
      account: signalBot.number,
      envelope: { source: from.number, sourceNumber: from.number, sourceUuid: from.uuid, sourceName: from.name, sourceDevice: 1, timestamp, ...activity },
    });
  }

  private push(item: Record<string, unknown>): void {
    this.inbox.push(item);
    for (const waiter of this.waiters.splice(0)) waiter.respond();
  }

  protected override beforeStop(): void {
    for (const waiter of this.waiters.splice(0)) waiter.respond();
  }

  protected async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (req.url === '/api/v1/check' && req.method === 'GET') return void res.writeHead(200).end();
    if (req.url !== '/api/v1/rpc') return void res.writeHead(404).end();
    if (req.method !== 'POST') return void res.writeHead(405).end();
    if (!String(req.headers['content-type']).startsWith('application/json')) return void res.writeHead(415).end();
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    let request: { id?: number | string; method: string; params?: Record<string, unknown> };
    try {
      request = JSON.parse(Buffer.concat(chunks).toString('utf8')) as typeof request;
    } catch {
      return this.answer(res, { jsonrpc: '2.0', error: { code: -32700, message: 'Failed to parse request', data: null }, id: null });
    }
    const params = request.params ?? {};
    const call: SignalCall = { method: request.method, params, at: Date.now() };
    this.calls.push(call);
    const ok = (result: unknown): void => this.answer(res, { jsonrpc: '2.0', result, id: request.id });
    const error = (code: number, message: string): void => {
      call.failed = true;
      this.answer(res, { jsonrpc: '2.0', error: { code, message, data: null }, id: request.id });
    };
    switch (request.method) {
      case 'receive':
        if (this.receivesOnItsOwn) return error(-1, 'Receive command cannot be used if messages are already being received.');
        return this.receive(res, Number(params.timeout ?? 3), Number(params.maxMessages ?? -1), ok);
      case 'getUserStatus':
        return ok([{ recipient: signalBot.number, number: signalBot.number, uuid: signalBot.uuid, isRegistered: true }]);
      case 'send': {
        const failure = this.failures.shift();
        if (failure) return error(failure.code, failure.message);
        if (!params.message && !params.attachments) return error(-1, 'Sending empty message is not allowed, no message, attachments or sticker given.');
        return ok({
          timestamp: ++this.clock,
          results: [
            { recipientAddress: { uuid: randomUUID(), number: (params.recipient as string[] | undefined)?.[0] ?? null, username: null }, type: 'SUCCESS' },
          ],
        });
      }
      case 'sendTyping':
        return ok({ timestamp: ++this.clock, results: [] });
      case 'getAttachment': {
        await this.holdAttachments;
        const bytes = this.attachments.get(String(params.id));
        return bytes ? ok({ data: bytes.toString('base64') }) : error(-1, `Could not find attachment with ID: ${String(params.id)}`);
      }
      default:
        return error(-32601, 'Method not implemented');
    }
  }

  /** Waits up to `timeout` seconds for a message; what it hands out is gone from the daemon. */
  private receive(res: ServerResponse, timeout: number, maxMessages: number, ok: (result: unknown) => void): void {
    const serve = (): void => {
      if (!res.destroyed) ok(this.inbox.splice(0, maxMessages < 0 ? this.inbox.length : maxMessages));
    };
    if (this.inbox.length) return serve();
    const waiter: Waiter = {
      timer: setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        serve();
      }, timeout * 1000),
      respond: () => {
        clearTimeout(waiter.timer);
        serve();
      },
    };
    // A caller that hung up takes nothing: the messages stay for the next receive.
    res.on('close', () => {
      clearTimeout(waiter.timer);
      this.waiters = this.waiters.filter((w) => w !== waiter);
    });
    this.waiters.push(waiter);
  }

  private answer(res: ServerResponse, body: unknown): void {
    if (res.destroyed) return;
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  }
}
