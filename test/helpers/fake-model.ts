import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ModelRequest {
  model: string;
  messages: Array<{ role: string; content: string }>;
  /** Set when the caller hung up before the answer was sent. */
  aborted: boolean;
}

export type ReplyFn = (request: ModelRequest) => string;

/**
 * A scripted OpenAI-compatible chat-completions server on 127.0.0.1 that records every request. Answers can be held
 * back (`hold()`) to keep a turn "waiting on the model" for as long as a test needs.
 */
export class FakeModel {
  readonly requests: ModelRequest[] = [];
  private server: Server | undefined;
  private held: Array<() => void> = [];
  private holding = false;
  private arrivals: Array<() => void> = [];

  constructor(private reply: ReplyFn = (r) => `reply to: ${r.messages.at(-1)?.content}`) {}

  get baseUrl(): string {
    const { port } = this.server!.address() as AddressInfo;
    return `http://127.0.0.1:${port}/v1`;
  }

  async start(): Promise<this> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return this;
  }

  setReply(reply: ReplyFn): void {
    this.reply = reply;
  }

  /** Requests from now on wait until `release()`. */
  hold(): void {
    this.holding = true;
  }

  release(): void {
    this.holding = false;
    for (const go of this.held.splice(0)) go();
  }

  /** Resolves once `count` requests have arrived in total. */
  async waitForRequests(count: number, timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.requests.length < count) {
      if (Date.now() > deadline) throw new Error(`expected ${count} model requests, saw ${this.requests.length}`);
      await new Promise<void>((resolve) => {
        this.arrivals.push(resolve);
        setTimeout(resolve, 100);
      });
    }
  }

  /** The user messages of each request's last message, in arrival order. */
  lastUserMessages(): string[] {
    return this.requests.map((r) => r.messages.at(-1)?.content ?? '');
  }

  async stop(): Promise<void> {
    this.release();
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  private async handle(req: IncomingMessage, res: import('node:http').ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req as AsyncIterable<Buffer>) chunks.push(chunk);
    if (req.method !== 'POST' || !req.url?.endsWith('/chat/completions')) {
      res.writeHead(404).end();
      return;
    }
    const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { model: string; messages: ModelRequest['messages'] };
    const request: ModelRequest = { model: body.model, messages: body.messages, aborted: false };
    this.requests.push(request);
    for (const notify of this.arrivals.splice(0)) notify();
    res.on('close', () => {
      if (!res.writableEnded) request.aborted = true;
    });
    if (this.holding) await new Promise<void>((resolve) => this.held.push(resolve));
    if (res.destroyed) return;
    const content = this.reply(request);
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(
      JSON.stringify({
        id: `chatcmpl-${this.requests.length}`,
        object: 'chat.completion',
        model: body.model,
        choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }],
        usage: { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 },
      }),
    );
  }
}
