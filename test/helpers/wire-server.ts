import type { IncomingMessage, ServerResponse } from 'node:http';
import { LoopbackServer } from './loopback-server.js';

export interface RecordedRequest {
  method: string;
  path: string;
  headers: Record<string, string | string[] | undefined>;
  body: unknown;
}

export interface WireAnswer {
  status?: number;
  headers?: Record<string, string>;
  body: unknown;
}

/** A local HTTP server that speaks whatever wire format the test scripts, and records what it was sent. */
export class WireServer extends LoopbackServer {
  readonly requests: RecordedRequest[] = [];

  constructor(private answer: (request: RecordedRequest) => WireAnswer) {
    super();
  }

  setAnswer(answer: (request: RecordedRequest) => WireAnswer): void {
    this.answer = answer;
  }

  protected async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    const request = { method: req.method ?? '', path: req.url ?? '', headers: req.headers, body: text ? (JSON.parse(text) as unknown) : undefined };
    this.requests.push(request);
    const answer = this.answer(request);
    res.writeHead(answer.status ?? 200, { 'content-type': 'application/json', ...answer.headers });
    res.end(JSON.stringify(answer.body));
  }
}
