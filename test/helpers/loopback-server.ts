import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * What every fake platform server shares: HTTP on 127.0.0.1 at a free port, its address, and a stop that closes every
 * connection (a long poll or a WebSocket included) so that a test ends at once. A fake answers requests in `handle`;
 * one that speaks WebSocket too attaches its server in `attach`.
 */
export abstract class LoopbackServer {
  private server: Server | undefined;

  /** Answers one request; what it throws becomes a 500 (see `failed`). */
  protected abstract handle(req: IncomingMessage, res: ServerResponse): Promise<void>;

  /** Before listening: a WebSocket server attaches to the HTTP server here. */
  protected attach(_server: Server): void {}

  /** Before closing: waiters woken, sockets dropped. */
  protected beforeStop(): void {}

  /** How a request that threw is answered (a platform's own error shape, where the library reads one). */
  protected failed(res: ServerResponse, error: unknown): void {
    if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
    res.end(`fake server error: ${String(error)}`);
  }

  get port(): number {
    return (this.server!.address() as AddressInfo).port;
  }

  /** `http://127.0.0.1:<port>` */
  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** `ws://127.0.0.1:<port>` */
  get wsUrl(): string {
    return `ws://127.0.0.1:${this.port}`;
  }

  /** Listens on `port` (0: any free one; a server stopped and started again keeps its address with its old port). */
  async start(port = 0): Promise<this> {
    this.server = createServer((req, res) => void this.handle(req, res).catch((error: unknown) => this.failed(res, error)));
    this.attach(this.server);
    await new Promise<void>((resolve) => this.server!.listen(port, '127.0.0.1', resolve));
    return this;
  }

  async stop(): Promise<void> {
    this.beforeStop();
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}
