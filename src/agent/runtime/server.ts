import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { inIncomingTrace, inSpan } from '../../telemetry/spans.js';
import { BodyError, readJsonBody } from '../../http/read-json-body.js';
import { drain, guardRequest, type GuardPolicy } from '../../http/request-guard.js';
import { listen } from '../../http/listen.js';
import { sameSecret } from '../../http/same-secret.js';
import type { Logger } from '../../logger.js';
import { answerPlainPrompt, ContextMissingError, runAgentStep, type TurnOptions } from './agent-turn.js';
import { summarizeConversation } from './summarize.js';
import {
  invocationSchema,
  plainPromptSchema,
  summarizeRequestSchema,
  runtimeErrorStatus,
  runtimeSessionHeader,
  promptSessionIdLength,
  runtimeSessionIdLength,
  type PingBody,
  type RuntimeErrorBody,
} from '../../contracts/agent-runtime.js';
import { FailoverProvider } from '../providers/failover.js';
import { ProviderError, type ModelProvider, type ThinkingLevel } from '../providers/provider.js';
import { SessionContextCache } from './session-cache.js';
import { PromptConversations } from './prompt-conversations.js';
import { describeZodError } from '../../contracts/zod-issues.js';

const maxBodyBytes = 10 * 1024 * 1024;

export interface RuntimeServerOptions {
  provider: ModelProvider;
  /** The other models a session may choose (/model), by name: model.choices. */
  models?: ReadonlyMap<string, ModelProvider>;
  /** By agent id, the agents with fallbacks of their own (agents.list[].fallbacks): answered by that chain unless a session chose another model. */
  agentModels?: ReadonlyMap<string, ModelProvider>;
  logger: Logger;
  /** The secret callers must send (`Authorization: Bearer …`); null: none asked (inside AgentCore, which authenticates callers). */
  token: string | null;
  /** Host names answered besides loopback; `*` for any (a container reached under names it cannot know). */
  allowedHosts?: readonly string[];
  /** The models see images (model.vision, on by default); false: a message's images are only named to them. */
  vision?: boolean;
  /** How hard the models think when a session chose nothing with /think (model.thinking); unset: their own default. */
  thinking?: ThinkingLevel;
}

/** The bodies /invocations reads: JSON, or what AgentCore sends when the caller set no content type. */
const invocationContentTypes = ['application/json', 'application/octet-stream'];

export interface RunningRuntime {
  url: string;
  server: Server;
  /** The same runtime without HTTP, for callers in this process (the local stack's workers). */
  invocations: RuntimeInvocations;
  close(): Promise<void>;
}

/** What the runtime does for one invocation, whoever carries it: HTTP here, or a call in the same process. */
/** A checked invocation, ready to run; `plainPrompt`: a `{"prompt": …}` caller (the agentcore CLI), answered its way. */
export type PreparedInvocation = ((options: TurnOptions) => Promise<unknown>) & { readonly plainPrompt: boolean };

export interface RuntimeInvocations {
  /**
   * One invocation body for a runtime session, checked (bad input throws at once, before any work) and ready to run;
   * running it answers, or throws what `invocationFailure` describes.
   */
  prepare(sessionId: unknown, body: unknown): PreparedInvocation;
  ping(): PingBody;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    message: string,
  ) {
    super(message);
  }
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function errorBody(type: string, message: string, retryable: boolean): RuntimeErrorBody {
  return { error: { type, message, retryable } };
}

function readJson(req: IncomingMessage): Promise<unknown> {
  return readJsonBody(req, maxBodyBytes, 'invocation body').catch((error: unknown) => {
    if (!(error instanceof BodyError)) throw error;
    throw error.reason === 'too_large' ? new HttpError(413, 'payload_too_large', error.message) : new HttpError(400, 'invalid_json', error.message);
  });
}

/** Tracks `Healthy`/`HealthyBusy`; the timestamp moves only when the status changes (AgentCore's /ping contract). */
class HealthState {
  private busy = 0;
  private changedAt = Math.floor(Date.now() / 1000);

  private status(): PingBody['status'] {
    return this.busy > 0 ? 'HealthyBusy' : 'Healthy';
  }

  enter(): void {
    this.transition(() => (this.busy += 1));
  }

  leave(): void {
    this.transition(() => (this.busy -= 1));
  }

  ping(): PingBody {
    return { status: this.status(), time_of_last_update: this.changedAt };
  }

  private transition(change: () => void): void {
    const before = this.status();
    change();
    if (this.status() !== before) this.changedAt = Math.floor(Date.now() / 1000);
  }
}

/** The status and body a failed invocation is answered with. */
export function invocationFailure(error: unknown): { status: number; body: RuntimeErrorBody } {
  if (error instanceof HttpError) return { status: error.status, body: errorBody(error.type, error.message, false) };
  if (error instanceof ContextMissingError) return { status: runtimeErrorStatus.contextMissing, body: errorBody(error.name, error.message, false) };
  if (error instanceof ProviderError) {
    return {
      status: error.retryable ? runtimeErrorStatus.modelUnavailable : runtimeErrorStatus.modelRefused,
      body: errorBody(error.name, error.message, error.retryable),
    };
  }
  return { status: runtimeErrorStatus.internal, body: errorBody('RuntimeError', (error as Error).message, true) };
}

function wantsEventStream(req: IncomingMessage): boolean {
  return (req.headers.accept ?? '').includes('text/event-stream');
}

/** Server-sent events: `delta` events with text as it arrives, then one `result` (or `error`) event. */
class EventStream {
  constructor(private readonly res: ServerResponse) {
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
  }

  send(event: 'delta' | 'result' | 'error', data: unknown): void {
    this.res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
  }

  end(): void {
    this.res.end();
  }
}

/** The runtime's invocations (the agent's turns, plain prompts, summaries) and health, apart from any transport. */
export function createRuntimeInvocations({
  provider,
  models,
  agentModels,
  vision = true,
  thinking,
}: Pick<RuntimeServerOptions, 'provider' | 'models' | 'agentModels' | 'vision' | 'thinking'>): RuntimeInvocations {
  const health = new HealthState();
  const cache = new SessionContextCache();
  const prompts = new PromptConversations();

  /**
   * The provider of a session's model: its agent's own chain (agents.list[].fallbacks) for the agent's model, else the
   * chosen model's; one this runtime does not offer is refused (a stale /model choice, a typo).
   */
  const providerFor = (model: string | undefined, sessionKey: string): ModelProvider => {
    const agentOwn = agentModels?.get(sessionKey.split(':')[0]!);
    if (agentOwn && (!model || model === agentOwn.model)) return agentOwn;
    if (!model || model === provider.model) return provider;
    const chosen = models?.get(model);
    if (chosen) return chosen;
    const offered = [provider.model, ...(models?.keys() ?? [])].join(', ');
    throw new HttpError(
      400,
      'model_not_offered',
      `this runtime does not offer the model "${model}" (it offers ${offered}: model.name and model.choices); choose another with /model`,
    );
  };

  /** What an invocation body asks for, checked; bad input is an HttpError (400) before any work starts. */
  const planned = (sessionId: unknown, body: unknown): { run: (options: TurnOptions) => Promise<unknown>; plainPrompt: boolean } => {
    const plain = plainPromptSchema.safeParse(body);
    const length = plain.success ? promptSessionIdLength : runtimeSessionIdLength;
    if (typeof sessionId !== 'string' || sessionId.length < length.min || sessionId.length > length.max) {
      throw new HttpError(
        400,
        'missing_session_id',
        `header ${runtimeSessionHeader} is required (${length.min}-${length.max} characters); AgentCore sets it from runtimeSessionId`,
      );
    }
    let run: (options: TurnOptions) => Promise<unknown>;
    const summarize = summarizeRequestSchema.safeParse(body);
    if (plain.success) {
      // The same runtime session id goes on with the same conversation (`agentcore invoke --session-id`).
      const { prompt } = plain.data;
      run = async (options) => {
        const response = await answerPlainPrompt(provider, prompts.messages(sessionId, prompt), options);
        prompts.answered(sessionId, prompt, response);
        return { response };
      };
    } else if (typeof body === 'object' && body !== null && 'summarize' in body) {
      if (!summarize.success) throw new HttpError(400, 'invalid_invocation', describeZodError(summarize.error, 'body'));
      const request = summarize.data.summarize;
      run = (options) => summarizeConversation(provider, request, options);
    } else {
      const parsed = invocationSchema.safeParse(body);
      if (!parsed.success) {
        const detail = describeZodError(parsed.error, 'body');
        throw new HttpError(400, 'invalid_invocation', `${detail} (send a ClawFlow invocation, or {"prompt": "..."} to test by hand)`);
      }
      const chosen = providerFor(parsed.data.model, parsed.data.sessionKey);
      run = (options) => runAgentStep(chosen, cache, sessionId, parsed.data, { ...options, vision, ...(thinking ? { thinking } : {}) });
      // A failover chain learns what the session knew of failed models (a restarted runtime would have forgotten).
      if (chosen instanceof FailoverProvider) chosen.cooldowns.merge(parsed.data.cooldowns);
    }
    return { run, plainPrompt: plain.success };
  };

  return {
    ping: () => health.ping(),
    prepare: (sessionId, body) => {
      const { run, plainPrompt } = planned(sessionId, body);
      const prepared = async (options: TurnOptions): Promise<unknown> => {
        health.enter();
        try {
          return await inSpan('clawflow.invocation', { 'clawflow.runtime_session': String(sessionId) }, () => run(options));
        } finally {
          health.leave();
        }
      };
      return Object.assign(prepared, { plainPrompt });
    },
  };
}

/** The agent runtime as an HTTP server speaking the AgentCore Runtime contract. */
export function createRuntimeServer(options: RuntimeServerOptions, invocations = createRuntimeInvocations(options)): Server {
  const { logger, token, allowedHosts = [] } = options;
  const expected = token ? `Bearer ${token}` : null;
  const policy = (server: Server): GuardPolicy => ({ port: (server.address() as AddressInfo | null)?.port ?? 0, allowedHosts, allowedOrigins: [] });

  const authorized = (req: IncomingMessage): boolean => {
    if (!expected) return true;
    return sameSecret(req.headers.authorization ?? '', expected);
  };

  const invoke = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const sessionId = req.headers[runtimeSessionHeader];
    const run = invocations.prepare(sessionId, await readJson(req));
    const abort = new AbortController();
    res.on('close', () => abort.abort());
    if (!wantsEventStream(req)) return sendJson(res, 200, await run({ signal: abort.signal }));
    const stream = new EventStream(res);
    try {
      stream.send('result', await run({ signal: abort.signal, onText: (text) => stream.send('delta', { text }) }));
    } catch (error) {
      if (abort.signal.aborted) throw error;
      const { body } = invocationFailure(error);
      // The agentcore CLI reads an error event's `error` as a string; ClawFlow's workers read the whole body.
      stream.send('error', run.plainPrompt ? { error: body.error.message } : body);
    }
    stream.end();
  };

  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    const refused = guardRequest(req, policy(server), req.method === 'POST' ? { accepted: invocationContentTypes } : undefined);
    if (refused) {
      drain(req);
      return sendJson(res, refused.status, errorBody(refused.code, refused.message, false));
    }
    if (req.method === 'GET' && path === '/ping') return sendJson(res, 200, invocations.ping());
    if (req.method === 'POST' && path === '/invocations') {
      if (!authorized(req)) {
        drain(req);
        return sendJson(
          res,
          401,
          errorBody('unauthorized', "missing or wrong runtime token: the workers send runtime.token (or the state dir's secrets/runtime-token)", false),
        );
      }
      inIncomingTrace(req.headers, () => invoke(req, res)).catch((error: unknown) => {
        if (res.headersSent || res.destroyed) return logger.debug({ err: (error as Error).message }, 'invocation abandoned by its caller');
        const { status, body } = invocationFailure(error);
        if (status >= 500 || error instanceof ProviderError) logger.warn({ err: body.error.message, status }, 'invocation failed');
        return sendJson(res, status, body);
      });
      return;
    }
    drain(req);
    sendJson(res, 404, errorBody('not_found', `no route for ${req.method} ${path}; this runtime serves POST /invocations and GET /ping`, false));
  });
  return server;
}

/** Starts the runtime on host:port (port 0 picks a free one). */
export async function startRuntime(options: RuntimeServerOptions & { host: string; port: number }): Promise<RunningRuntime> {
  const invocations = createRuntimeInvocations(options);
  const runtime = createRuntimeServer(options, invocations);
  return { ...(await listen(runtime, options.host, options.port)), server: runtime, invocations };
}
