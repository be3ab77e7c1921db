import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Client } from '@temporalio/client';
import { inject } from 'vitest';
import { startApiServer, type RunningApi } from '../../src/api/openai-api.js';
import { loadConfig, type ClawflowConfig } from '../../src/config/load.js';
import { runtimeToken } from '../../src/config/secrets.js';
import { createLogger } from '../../src/logger.js';
import { OpenAiCompatibleProvider } from '../../src/agent/providers/openai-compatible.js';
import { startRuntime, type RunningRuntime } from '../../src/agent/runtime/server.js';
import { describeSession, sendMessage, type OutgoingMessage } from '../../src/session-client/session-client.js';
import { connectClient } from '../../src/temporal/connection.js';
import { JsonlTranscriptStore } from '../../src/transcript/jsonl-store.js';
import type { TurnReply } from '../../src/workflows/messages.js';
import type { TranscriptEntry } from '../../src/contracts/session-records.js';
import { FakeModel } from './fake-model.js';
import { freePort } from './ports.js';
import { killAll, spawnCli, type CliProcess } from './processes.js';
import { offeredModelNames } from '../../src/config/agents.js';

export interface TestStackOptions {
  namespace: string;
  /** Written to the state dir's clawflow.json (read by the test's client and by the worker processes). */
  config?: Record<string, unknown>;
  /** Another Temporal server than the shared one (the server-restart test runs its own); null: none given (a profile says). */
  temporalAddress?: string | null;
  /** More environment for the worker processes and the test's client. */
  env?: NodeJS.ProcessEnv;
}

/**
 * A state dir, a scripted model, the agent runtime (in this process) and real `clawflow worker` processes
 * against a real Temporal server.
 */
export class TestStack {
  readonly model = new FakeModel();
  readonly home = mkdtempSync(join(tmpdir(), 'clawflow-test-'));
  readonly env: NodeJS.ProcessEnv;
  config!: ClawflowConfig;
  client!: Client;
  runtime!: RunningRuntime;
  private readonly workers = new Set<CliProcess>();

  private constructor(private readonly options: TestStackOptions) {
    this.env = {
      CLAWFLOW_HOME: this.home,
      ...(options.temporalAddress === null ? {} : { TEMPORAL_ADDRESS: options.temporalAddress ?? inject('temporalAddress') }),
      TEMPORAL_NAMESPACE: options.namespace,
      CLAWFLOW_LOG_FORMAT: 'json',
      CLAWFLOW_LOG_LEVEL: 'info',
      ...options.env,
    };
  }

  static async start(options: TestStackOptions): Promise<TestStack> {
    const stack = new TestStack(options);
    await stack.model.start();
    // WebChat is on by default (port 18790): a test that wants it says so, with its own port.
    const config = options.config ?? {};
    const channels = (config.channels ?? {}) as Record<string, unknown>;
    // Test files run side by side: each connector takes replies being written on a port of its own.
    // The API gets a port of its own too: the worker processes stream replies to it.
    const api = { port: await freePort(), ...((config.api ?? {}) as Record<string, unknown>) };
    writeFileSync(
      join(stack.home, 'clawflow.json'),
      JSON.stringify({ ...config, api, channels: { webchat: { enabled: false }, previewPort: await freePort(), ...channels } }),
    );
    const runtimeConfig = loadConfig({ ...stack.env });
    stack.runtime = await startRuntime({
      host: '127.0.0.1',
      port: 0,
      token: runtimeToken(runtimeConfig),
      provider: new OpenAiCompatibleProvider({ baseUrl: stack.model.baseUrl, model: 'scripted', requestTimeoutMs: 60_000 }),
      models: new Map(
        offeredModelNames(runtimeConfig).map((name) => [
          name,
          new OpenAiCompatibleProvider({ baseUrl: stack.model.baseUrl, model: name, requestTimeoutMs: 60_000 }),
        ]),
      ),
      logger: createLogger(runtimeConfig.log.level === 'info' ? 'warn' : runtimeConfig.log.level),
    });
    stack.env.CLAWFLOW_RUNTIME_URL = stack.runtime.url;
    stack.config = loadConfig({ ...stack.env });
    stack.client = await connectClient(stack.config);
    return stack;
  }

  /** The OpenAI-compatible API, in this process, on a free port. */
  async startApi(): Promise<RunningApi> {
    const api = await startApiServer({ client: this.client, config: this.config, logger: createLogger('silent') });
    this.closers.push(() => api.close());
    return api;
  }

  private readonly closers: Array<() => Promise<void>> = [];

  /**
   * Starts a `clawflow worker` process (serving only `queues`, comma-separated, when given; with `env` added to the
   * stack's) and waits until it polls.
   */
  startWorker(queues?: string, env: NodeJS.ProcessEnv = {}): Promise<CliProcess> {
    return this.startProcess(['worker', ...(queues ? ['--queues', queues] : [])], /workers running/, env);
  }

  /** Starts a `clawflow connector` process (the channels) and waits until its channels are connected. */
  startConnector(): Promise<CliProcess> {
    return this.startProcess(['connector'], /connector running/);
  }

  private async startProcess(args: string[], ready: RegExp, env: NodeJS.ProcessEnv = {}): Promise<CliProcess> {
    const child = spawnCli(args, { ...this.env, ...env });
    this.workers.add(child);
    void child.exited.then(() => this.workers.delete(child));
    await child.waitFor(ready);
    return child;
  }

  /** Kills every process this stack started (a power cut of the ClawFlow side; Temporal keeps running). */
  async killAll(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    await Promise.all([...this.workers].map((w) => this.kill(w, signal)));
  }

  async kill(worker: CliProcess, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    worker.child.kill(signal);
    // A graceful stop that hangs is a bug worth seeing in the output, but must not hang the test run.
    const stopped = await Promise.race([worker.exited.then(() => true), new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 30_000))]);
    if (!stopped) {
      console.error(`clawflow ${worker.child.spawnargs.slice(2).join(' ')} did not stop within 30 s of ${signal}; killing it`);
      worker.child.kill('SIGKILL');
      await worker.exited;
    }
  }

  send(sessionKey: string, text: string, message: Omit<OutgoingMessage, 'text'> = {}): Promise<TurnReply> {
    return sendMessage(this.client, this.config, sessionKey, { ...message, text });
  }

  /** The transcript as `clawflow sessions show` presents it (the store, plus turns answered but not yet written). */
  async transcript(sessionKey: string): Promise<TranscriptEntry[]> {
    return (await describeSession(this.client, this.config, sessionKey))?.transcript ?? [];
  }

  /** Only what the transcript store holds. */
  async storedTranscript(sessionKey: string): Promise<TranscriptEntry[]> {
    return (await new JsonlTranscriptStore(this.config.paths.transcriptsDir).read(sessionKey)) ?? [];
  }

  /** Polls until the transcript holds `turns` turns. */
  async waitForTurns(sessionKey: string, turns: number, timeoutMs = 60_000): Promise<TranscriptEntry[]> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const entries = await this.storedTranscript(sessionKey);
      if (new Set(entries.map((e) => e.turn)).size >= turns) return entries;
      if (Date.now() > deadline) throw new Error(`session ${sessionKey} has ${entries.length} transcript entries, expected ${turns} turns`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  async stop(): Promise<void> {
    // TEST_STACK_LOGS=<dir> keeps what every process of the stack printed, for a failure that needs reading.
    if (process.env.TEST_STACK_LOGS) {
      mkdirSync(process.env.TEST_STACK_LOGS, { recursive: true });
      for (const [index, w] of [...this.workers].entries())
        writeFileSync(join(process.env.TEST_STACK_LOGS, `${Date.now()}-${index}-${w.child.spawnargs.slice(2).join('-')}.log`), w.output());
    }
    for (const close of this.closers.splice(0)) await close();
    await Promise.all([...this.workers].map((w) => this.kill(w, 'SIGTERM')));
    await killAll();
    await this.client?.connection.close();
    await this.runtime?.close();
    await this.model.stop();
    rmSync(this.home, { recursive: true, force: true });
  }
}
