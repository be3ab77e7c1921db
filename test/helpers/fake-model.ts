import { LoopbackServer } from './loopback-server.js';
import type { IncomingMessage, ServerResponse } from 'node:http';

export interface ModelRequest {
  model: string;
  /** A message's words; a message of parts (vision) has its text parts joined here and its images in `images`. */
  messages: Array<{ role: string; content: string | null; images?: string[]; tool_calls?: unknown[]; tool_call_id?: string }>;
  tools?: Array<{ type: string; function: { name: string } }>;
  tool_choice?: string;
  stream?: boolean;
  /** Set when the caller hung up before the answer was sent. */
  aborted: boolean;
  /** The Authorization header the caller sent (the model API key). */
  authorization?: string;
}

/** A scripted answer: words, or a request to call tools (OpenAI's function calling). */
export type ScriptedAnswer = string | { toolCalls: Array<{ name: string; arguments: Record<string, unknown> }> };
export type ReplyFn = (request: ModelRequest) => ScriptedAnswer;

/** The model calls one tool, then answers with what the tool said in this turn (earlier turns' results are history). */
export function toolThenReport(name: string, args: Record<string, unknown>): ReplyFn {
  return (request) => {
    const result = request.messages.slice(request.messages.findLastIndex((m) => m.role === 'user')).findLast((m) => m.role === 'tool');
    return result ? `tool said: ${result.content}` : { toolCalls: [{ name, arguments: args }] };
  };
}

/**
 * A scripted OpenAI-compatible chat-completions server on 127.0.0.1 that records every request. Answers can be held
 * back (`hold()`) to keep a turn "waiting on the model" for as long as a test needs.
 */
export class FakeModel extends LoopbackServer {
  readonly requests: ModelRequest[] = [];
  private held: Array<() => void> = [];
  private holding = false;
  private arrivals: Array<() => void> = [];
  /** Milliseconds between the pieces of a streamed answer (0: all at once): a model that writes slowly. */
  streamPieceDelayMs = 0;
  /** Requests it says yes to wait until `release()`, whatever `hold()` says: one chosen call held, the rest answered. */
  holdWhen: ((request: ModelRequest) => boolean) | null = null;
  /** How long each answer takes before its first byte (ms, asked per request): a model that thinks. */
  latencyMs: () => number = () => 0;
  /**
   * An HTTP status (and the error's words) to refuse a request with, asked per request; null: answer it. A model that
   * is down, limited, refuses a key or a parameter.
   */
  refuseWith: (request: ModelRequest) => number | { status: number; message: string } | null = () => null;

  constructor(private reply: ReplyFn = (r) => `reply to: ${r.messages.at(-1)?.content}`) {
    super();
  }

  get baseUrl(): string {
    return `${this.url}/v1`;
  }

  setReply(reply: ReplyFn): void {
    this.reply = reply;
  }

  /** Requests from now on wait until `release()`. */
  hold(): void {
    this.holding = true;
  }

  /** The requests waiting in a hold now. */
  get heldCount(): number {
    return this.held.length;
  }

  release(): void {
    this.holding = false;
    this.holdWhen = null;
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

  /** The content of each request's last message, in arrival order. */
  lastUserMessages(): string[] {
    return this.requests.map((r) => r.messages.at(-1)?.content ?? '');
  }

  /** The user messages the model was shown in one request. */
  userMessagesOf(index: number): string[] {
    return this.requests.at(index)!.messages.flatMap((m) => (m.role === 'user' && m.content ? [m.content] : []));
  }

  protected override beforeStop(): void {
    this.release();
  }

  protected async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req as AsyncIterable<Buffer>) chunks.push(chunk);
    if (req.method !== 'POST' || !req.url?.endsWith('/chat/completions')) {
      res.writeHead(404).end();
      return;
    }
    const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Omit<ModelRequest, 'aborted'>;
    body.messages = body.messages.map((m) => {
      const content = m.content as unknown;
      if (!Array.isArray(content)) return m;
      const parts = content as Array<{ type: string; text?: string; image_url?: { url: string } }>;
      return {
        ...m,
        content: parts.flatMap((p) => (p.type === 'text' ? [p.text ?? ''] : [])).join('\n'),
        images: parts.flatMap((p) => (p.type === 'image_url' ? [p.image_url!.url] : [])),
      };
    });
    const request: ModelRequest = { ...body, aborted: false, ...(req.headers.authorization ? { authorization: req.headers.authorization } : {}) };
    this.requests.push(request);
    for (const notify of this.arrivals.splice(0)) notify();
    res.on('close', () => {
      if (!res.writableEnded) request.aborted = true;
    });
    if (this.holding || this.holdWhen?.(request)) await new Promise<void>((resolve) => this.held.push(resolve));
    const latency = this.latencyMs();
    if (latency > 0) await new Promise((resolve) => setTimeout(resolve, latency));
    if (res.destroyed) return;
    const refusal = this.refuseWith(request);
    if (refusal !== null) {
      const { status, message } = typeof refusal === 'number' ? { status: refusal, message: `refused with ${refusal}` } : refusal;
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { message } }));
      return;
    }
    const answer = this.reply(request);
    const n = this.requests.length;
    const toolCalls =
      typeof answer === 'string'
        ? undefined
        : answer.toolCalls.map((c, i) => ({ id: `call_${n}_${i}`, type: 'function', function: { name: c.name, arguments: JSON.stringify(c.arguments) } }));
    const content = typeof answer === 'string' ? answer : null;
    if (body.stream) {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      const send = (data: unknown): boolean => res.write(`data: ${JSON.stringify(data)}\n\n`);
      // Words arrive in pieces, a tool call's arguments too, as real servers send them.
      for (const piece of content?.match(/.{1,4}/gs) ?? []) {
        if (res.destroyed) return;
        send({ choices: [{ index: 0, delta: { content: piece } }] });
        if (this.streamPieceDelayMs) await new Promise((resolve) => setTimeout(resolve, this.streamPieceDelayMs));
      }
      toolCalls?.forEach((call, index) => {
        const args = call.function.arguments;
        send({
          choices: [
            {
              index: 0,
              delta: { tool_calls: [{ index, id: call.id, type: 'function', function: { name: call.function.name, arguments: args.slice(0, 3) } }] },
            },
          ],
        });
        send({ choices: [{ index: 0, delta: { tool_calls: [{ index, function: { arguments: args.slice(3) } }] } }] });
      });
      send({ choices: [], usage: { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 } });
      res.end('data: [DONE]\n\n');
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(
      JSON.stringify({
        id: `chatcmpl-${n}`,
        object: 'chat.completion',
        model: body.model,
        choices: [
          {
            index: 0,
            message: { role: 'assistant', content, ...(toolCalls ? { tool_calls: toolCalls } : {}) },
            finish_reason: toolCalls ? 'tool_calls' : 'stop',
          },
        ],
        usage: { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 },
      }),
    );
  }
}

/** A scripted answer that repeats every user message the model was shown: a reply proves what context arrived. */
export function heard(request: ModelRequest): string {
  return `heard: ${request.messages.flatMap((m) => (m.role === 'user' && m.content ? [m.content] : [])).join(' | ')}`;
}
