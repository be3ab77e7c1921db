import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { drain, guardRequest } from '../../http/request-guard.js';
import type { Logger } from '../../logger.js';
import { pingSchema, runtimeSessionHeader, runtimeSessionIdLength } from '../../contracts/agent-runtime.js';
import { describeZodError } from '../../contracts/zod-issues.js';
import { memoryIdPattern } from '../../contracts/agentcore-memory.js';
import { EmulatedMemory, MemoryValidationError } from './memory-store.js';
import { faultSchema, sendError, ServiceError, type Fault, type ServiceErrorName } from './service-errors.js';

const cliEntry = fileURLToPath(new URL('../../../bin/clawflow.js', import.meta.url));

export interface EmulatorOptions {
  host: string;
  port: number;
  /** A session unused this long is terminated (AgentCore default: 900 s). */
  idleTimeoutSeconds: number;
  /** A session older than this is terminated, busy or not (AgentCore: 28,800 s). */
  maxLifetimeSeconds: number;
  /** Environment of each runtime process (model settings); the emulator's own environment by default. */
  runtimeEnv?: NodeJS.ProcessEnv;
  /** The command that starts one runtime listening on host:port; `clawflow runtime` by default. */
  runtimeCommand?: (host: string, port: number) => string[];
  /**
   * Most runtime sessions alive at once (the service has a quota too): a new one ends the least recently used
   * idle session, and is refused (ServiceQuotaExceededException) when every session is busy. Default 8.
   */
  maxSessions?: number;
  logger: Logger;
}

/** One runtime session: a process of its own in an empty working directory, like a microVM. */
export interface EmulatedSession {
  id: string;
  pid: number;
  workDir: string;
  url: string;
  startedAt: number;
  lastActivityAt: number;
  invocations: number;
}

interface LiveSession extends EmulatedSession {
  child: ChildProcess;
  inflight: number;
  ready: Promise<void>;
}

async function freePort(host: string): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, host, resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

/** A request's whole body. */
async function bodyOf(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req as AsyncIterable<Buffer>) chunks.push(chunk);
  return Buffer.concat(chunks);
}

/**
 * A local stand-in for the AgentCore data plane that the real AWS SDK can be pointed at (endpoint override). It keeps
 * the service's session rules: one runtime process per `runtimeSessionId`, started in an empty directory and
 * health-checked with /ping; terminated after the idle timeout (unless it reports HealthyBusy) or at the lifetime
 * cap; after that, the same id gets a fresh process with an empty directory.
 */
export class AgentCoreEmulator {
  private readonly sessions = new Map<string, LiveSession>();
  private readonly faults: Array<{ error: ServiceErrorName; message: string; remaining: number; target: 'runtime' | 'memory' }> = [];
  /** AgentCore Memory: events and long-term records. */
  readonly memory = new EmulatedMemory();
  private server: Server | undefined;
  private reaper: NodeJS.Timeout | undefined;
  private reaping = false;
  /** Every session this emulator has started, in order (terminated ones too). */
  readonly history: EmulatedSession[] = [];
  /** The secret its runtime processes want, as the workers' runtime token: only the emulator reaches them. */
  private readonly runtimeToken = randomBytes(24).toString('base64url');

  constructor(private readonly options: EmulatorOptions) {}

  get url(): string {
    const { port } = this.server!.address() as AddressInfo;
    return `http://${this.options.host}:${port}`;
  }

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      const port = (this.server!.address() as AddressInfo).port;
      const refused = guardRequest(
        req,
        { port, allowedHosts: [], allowedOrigins: [] },
        req.method === 'POST' ? { accepted: ['application/json', 'application/octet-stream'] } : undefined,
      );
      if (refused) {
        drain(req);
        return void res
          .writeHead(refused.status, { 'content-type': 'application/json' })
          .end(JSON.stringify({ __type: refused.code, message: refused.message }));
      }
      this.route(req, res).catch((error: unknown) => {
        if (res.headersSent) return void res.destroy();
        sendError(res, error instanceof ServiceError ? error : new ServiceError('InternalServerException', (error as Error).message));
      });
    });
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(this.options.port, this.options.host, resolve);
    });
    this.reaper = setInterval(() => void this.reap(), 200);
    return this;
  }

  async stop(): Promise<void> {
    clearInterval(this.reaper);
    await Promise.all([...this.sessions.keys()].map((id) => this.terminate(id, 'emulator stopping')));
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  /** The next `count` invocations answer with this error instead of reaching a runtime. */
  injectFault(fault: Fault): void {
    const parsed = faultSchema.parse(fault);
    this.faults.push({ error: parsed.error, message: parsed.message, remaining: parsed.count, target: parsed.target });
  }

  /** The next fault queued for this target, used up by one request. */
  private takeFault(target: 'runtime' | 'memory'): void {
    const index = this.faults.findIndex((f) => f.target === target);
    const fault = this.faults[index];
    if (!fault) return;
    if (--fault.remaining === 0) this.faults.splice(index, 1);
    throw new ServiceError(fault.error, fault.message);
  }

  /** Kills a session's process without warning, as when a microVM fails. */
  kill(sessionId: string): boolean {
    const session = this.sessions.get(sessionId);
    if (!session) return false;
    session.child.kill('SIGKILL');
    return true;
  }

  liveSessions(): EmulatedSession[] {
    return [...this.sessions.values()].map((s) => this.describe(s));
  }

  private describe(s: LiveSession): EmulatedSession {
    return { id: s.id, pid: s.pid, workDir: s.workDir, url: s.url, startedAt: s.startedAt, lastActivityAt: s.lastActivityAt, invocations: s.invocations };
  }

  private async route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://emulator');
    const runtimePath = /^\/runtimes\/([^/]+)\/(invocations|stopruntimesession)$/.exec(url.pathname);
    if (req.method === 'POST' && runtimePath) {
      const sessionId = req.headers[runtimeSessionHeader];
      if (typeof sessionId !== 'string' || sessionId.length < runtimeSessionIdLength.min || sessionId.length > runtimeSessionIdLength.max) {
        throw new ServiceError('ValidationException', `runtimeSessionId must be ${runtimeSessionIdLength.min}-${runtimeSessionIdLength.max} characters long`);
      }
      return runtimePath[2] === 'invocations' ? this.invoke(sessionId, req, res) : this.stopSession(sessionId, req, res);
    }
    const memoryPath = /^\/memories\/([^/]+)\/(events|retrieve|actor\/([^/]+)\/sessions\/([^/]+))$/.exec(url.pathname);
    if (req.method === 'POST' && memoryPath)
      return this.memoryOperation(
        memoryPath.slice(1).map((part) => (part === undefined ? '' : decodeURIComponent(part))),
        req,
        res,
      );
    if (url.pathname.startsWith('/_emulator/')) return this.admin(url.pathname, req, res);
    throw new ServiceError('ResourceNotFoundException', `no operation at ${req.method} ${url.pathname}`);
  }

  /** CreateEvent (201), RetrieveMemoryRecords and ListEvents, as the AWS SDK sends and reads them. */
  private async memoryOperation([memoryId, operation, actorId, sessionId]: string[], req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await bodyOf(req);
    if (!memoryIdPattern.test(memoryId!)) throw new ServiceError('ValidationException', `memoryId ${memoryId} is not a memory id`);
    this.takeFault('memory');
    let request: unknown;
    try {
      request = JSON.parse(body.toString('utf8') || '{}');
    } catch {
      throw new ServiceError('ValidationException', 'the body is not JSON');
    }
    const answer = (status: number, value: unknown): void => void res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(value));
    try {
      if (operation === 'events') return answer(201, this.memory.createEvent(memoryId!, request));
      if (operation === 'retrieve') return answer(200, this.memory.retrieve(memoryId!, request));
      return answer(200, this.memory.listEvents(memoryId!, actorId!, sessionId!));
    } catch (error) {
      if (error instanceof MemoryValidationError) throw new ServiceError('ValidationException', error.message);
      throw error;
    }
  }

  private async invoke(sessionId: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await bodyOf(req);
    this.takeFault('runtime');
    let session = this.sessions.get(sessionId);
    if (!session) {
      await this.makeRoomFor(sessionId);
      // Another invocation may have started it meanwhile.
      session = this.sessions.get(sessionId) ?? this.launch(sessionId);
    }
    session.inflight += 1;
    session.invocations += 1;
    try {
      await session.ready;
      let response: Response;
      try {
        response = await fetch(`${session.url}/invocations`, {
          method: 'POST',
          headers: {
            'content-type': req.headers['content-type'] ?? 'application/octet-stream',
            accept: req.headers.accept ?? '*/*',
            authorization: `Bearer ${this.runtimeToken}`,
            [runtimeSessionHeader]: sessionId,
          },
          body,
        });
      } catch {
        throw new ServiceError('RuntimeClientError', 'The runtime session terminated while serving the request.');
      }
      if (!response.ok) {
        await response.body?.cancel();
        throw new ServiceError(
          'RuntimeClientError',
          `Received error (${response.status}) from runtime. Please check your CloudWatch logs for more information.`,
        );
      }
      res.writeHead(200, { 'content-type': response.headers.get('content-type') ?? 'application/octet-stream', [runtimeSessionHeader]: sessionId });
      if (response.body) {
        await new Promise<void>((resolve, reject) => {
          Readable.fromWeb(response.body as import('node:stream/web').ReadableStream)
            .on('error', reject)
            .pipe(res)
            .on('finish', resolve)
            .on('error', reject);
        }).catch(() => res.destroy());
      } else res.end();
    } finally {
      session.inflight -= 1;
      session.lastActivityAt = Date.now();
    }
  }

  private async stopSession(sessionId: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
    for await (const chunk of req as AsyncIterable<Buffer>) void chunk;
    if (!this.sessions.has(sessionId)) throw new ServiceError('ResourceNotFoundException', `runtime session ${sessionId} is not running`);
    await this.terminate(sessionId, 'StopRuntimeSession');
    res.writeHead(200, { 'content-type': 'application/json', [runtimeSessionHeader]: sessionId });
    res.end('{}');
  }

  private async admin(path: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await bodyOf(req);
    const json = (status: number, value: unknown): void => void res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(value));
    if (req.method === 'GET' && path === '/_emulator/sessions') return json(200, { live: this.liveSessions(), started: this.history });
    if (req.method === 'POST' && path === '/_emulator/faults') {
      const fault = faultSchema.safeParse(JSON.parse(body.toString('utf8') || '{}'));
      if (!fault.success) return json(400, { message: describeZodError(fault.error, 'body') });
      this.injectFault(fault.data);
      return json(200, { queued: this.faults.length });
    }
    const records = /^\/_emulator\/memories\/([^/]+)\/records$/.exec(path);
    if (req.method === 'POST' && records) {
      const record = z
        .object({ text: z.string().min(1), namespace: z.string().min(1), memoryStrategyId: z.string().optional() })
        .strict()
        .safeParse(JSON.parse(body.toString('utf8') || '{}'));
      if (!record.success) return json(400, { message: describeZodError(record.error, 'body') });
      return json(200, this.memory.addRecord(decodeURIComponent(records[1]!), record.data));
    }
    if (req.method === 'GET' && path === '/_emulator/memory-events') return json(200, { events: this.memory.events });
    const kill = /^\/_emulator\/sessions\/([^/]+)\/kill$/.exec(path);
    if (req.method === 'POST' && kill) return json(this.kill(decodeURIComponent(kill[1]!)) ? 200 : 404, {});
    throw new ServiceError('ResourceNotFoundException', `no emulator route ${req.method} ${path}`);
  }

  /** At the session cap, ends the least recently used idle session; with none idle, refuses like the service's quota. */
  private async makeRoomFor(sessionId: string): Promise<void> {
    const cap = this.options.maxSessions ?? 8;
    while (this.sessions.size >= cap) {
      const idle = [...this.sessions.values()].filter((s) => s.inflight === 0).sort((a, b) => a.lastActivityAt - b.lastActivityAt)[0];
      if (!idle)
        throw new ServiceError(
          'ServiceQuotaExceededException',
          `${cap} runtime sessions are busy (maxSessions); runtime session ${sessionId} cannot start now`,
        );
      await this.terminate(idle.id, `session cap (${cap}) reached: least recently used`);
    }
  }

  private launch(sessionId: string): LiveSession {
    const workDir = mkdtempSync(join(tmpdir(), 'agentcore-session-'));
    const session = { id: sessionId, workDir, startedAt: Date.now(), lastActivityAt: Date.now(), invocations: 0, inflight: 0 } as LiveSession;
    this.sessions.set(sessionId, session);
    session.ready = (async () => {
      const port = await freePort(this.options.host);
      session.url = `http://${this.options.host}:${port}`;
      const [command, ...args] = this.options.runtimeCommand?.(this.options.host, port) ?? [
        process.execPath,
        cliEntry,
        'runtime',
        '--host',
        this.options.host,
        '--port',
        String(port),
      ];
      session.child = spawn(command!, args, {
        cwd: workDir,
        env: {
          ...(this.options.runtimeEnv ?? process.env),
          CLAWFLOW_LOG_LEVEL: 'warn',
          CLAWFLOW_RUNTIME_AUTH: 'token',
          CLAWFLOW_RUNTIME_TOKEN: this.runtimeToken,
        },
        stdio: ['ignore', 'inherit', 'inherit'],
      });
      session.pid = session.child.pid!;
      session.child.once('exit', () => {
        if (this.sessions.get(sessionId) === session) void this.terminate(sessionId, 'runtime process exited');
      });
      this.history.push(this.describe(session));
      this.options.logger.info({ sessionId, pid: session.pid, workDir }, 'started a runtime session');
      const deadline = Date.now() + 30_000;
      for (;;) {
        if (session.child.exitCode !== null || session.child.signalCode !== null) {
          throw new ServiceError('RuntimeClientError', 'The runtime exited during initialization. Please check your CloudWatch logs for more information.');
        }
        const ping = await fetch(`${session.url}/ping`).then(
          (r) => r.json(),
          () => null,
        );
        if (pingSchema.safeParse(ping).success) return;
        if (Date.now() > deadline)
          throw new ServiceError('RuntimeClientError', 'Runtime initialization time exceeded. Please make sure that initialization completes in 30s.');
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    })();
    session.ready.catch(() => void this.terminate(sessionId, 'failed to start'));
    return session;
  }

  private async terminate(sessionId: string, reason: string): Promise<void> {
    const session = this.sessions.get(sessionId);
    if (!session) return;
    this.sessions.delete(sessionId);
    await session.ready.catch(() => undefined);
    if (session.child && session.child.exitCode === null && session.child.signalCode === null) {
      const exited = new Promise((resolve) => session.child.once('exit', resolve));
      session.child.kill('SIGKILL');
      await exited;
    }
    rmSync(session.workDir, { recursive: true, force: true });
    this.options.logger.info({ sessionId, reason }, 'terminated a runtime session');
  }

  private async reap(): Promise<void> {
    if (this.reaping) return;
    this.reaping = true;
    try {
      await this.reapOnce();
    } finally {
      this.reaping = false;
    }
  }

  private async reapOnce(): Promise<void> {
    const now = Date.now();
    for (const session of [...this.sessions.values()]) {
      if (now - session.startedAt >= this.options.maxLifetimeSeconds * 1000) {
        await this.terminate(session.id, 'maximum lifetime reached');
        continue;
      }
      if (session.inflight > 0 || now - session.lastActivityAt < this.options.idleTimeoutSeconds * 1000) continue;
      // An idle session that reports HealthyBusy has background work: it stays.
      const ping = pingSchema.safeParse(
        await fetch(`${session.url}/ping`).then(
          (r) => r.json(),
          () => null,
        ),
      );
      if (ping.success && ping.data.status === 'HealthyBusy') session.lastActivityAt = Date.now();
      else await this.terminate(session.id, 'idle timeout');
    }
  }
}
