import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Client } from '@temporalio/client';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import { z } from 'zod';
import { describeError } from '../errors.js';
import { startHookTurn, UnknownHookError } from './webhooks.js';
import type { ClawflowConfig } from '../config/load.js';
import { apiToken, hookToken, installSecret } from '../config/secrets.js';
import { readInternalPost } from '../http/internal-token.js';
import { sameSecret } from '../http/same-secret.js';
import { BodyError, readJsonBody } from '../http/read-json-body.js';
import { applyCors, drain, guardRequest, type GuardPolicy } from '../http/request-guard.js';
import type { Logger } from '../logger.js';
import { InvalidMessageError, resolveKey, sendMessage, type SessionClientConfig } from '../session-client/session-client.js';
import { formatSessionKey, sessionKey } from '../contracts/session-key.js';
import { describeZodError } from '../contracts/zod-issues.js';
import { agentIds, defaultAgentId } from '../config/agents.js';

export interface ApiServerOptions {
  client: Client;
  config: SessionClientConfig & Pick<ClawflowConfig, 'api' | 'hooks'>;
  logger: Logger;
  /** Overrides api.host / api.port (tests pick a free port). */
  host?: string;
  port?: number;
}

export interface RunningApi {
  url: string;
  close(): Promise<void>;
}

const contentPartSchema = z.object({ type: z.string(), text: z.string().optional() }).loose();
const chatRequestSchema = z
  .object({
    model: z.string().min(1, 'model must not be empty'),
    messages: z
      .array(
        z
          .object({
            role: z.enum(['system', 'developer', 'user', 'assistant', 'tool']),
            content: z.union([z.string(), z.array(contentPartSchema), z.null()]).optional(),
          })
          .loose(),
      )
      .min(1, 'messages must contain at least one message'),
    stream: z.boolean().optional(),
    user: z.string().min(1).max(200).optional(),
  })
  .loose();

class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** A failure of the session call as the API answers it. */
function apiErrorOf(error: unknown): ApiError {
  if (error instanceof InvalidMessageError) return new ApiError(400, 'invalid_request_error', 'invalid_request', error.message);
  if (error instanceof WorkflowUpdateFailedError) {
    const message = describeError(error);
    const duplicate = /already handled/.test(message);
    return new ApiError(duplicate ? 409 : 502, duplicate ? 'invalid_request_error' : 'agent_error', duplicate ? 'duplicate_message' : 'turn_failed', message);
  }
  return new ApiError(503, 'server_error', 'unavailable', `ClawFlow could not reach the session: ${describeError(error)}`);
}

const deltaSchema = z.object({ messageId: z.string().min(1).max(300), stream: z.string().min(1).max(100), text: z.string().max(64 * 1024) }).strict();

function sendError(res: ServerResponse, error: ApiError): void {
  const body = JSON.stringify({ error: { message: error.message, type: error.type, code: error.code, param: null } });
  res.writeHead(error.status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }).end(body);
}

function sendJson(res: ServerResponse, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) }).end(text);
}

function readBody(req: IncomingMessage, limit: number): Promise<unknown> {
  return readJsonBody(req, limit, 'the request body').catch((error: unknown) => {
    if (!(error instanceof BodyError)) throw error;
    throw error.reason === 'too_large'
      ? new ApiError(413, 'invalid_request_error', 'request_too_large', error.message)
      : new ApiError(400, 'invalid_request_error', 'invalid_json', error.message);
  });
}

function textOf(content: z.infer<typeof chatRequestSchema>['messages'][number]['content']): string {
  if (typeof content === 'string') return content;
  return (content ?? []).flatMap((part) => (part.type === 'text' && part.text ? [part.text] : [])).join('\n');
}

/**
 * The OpenAI Chat Completions API in front of durable sessions. The session holds the history, so only the user
 * messages after the last assistant message are new input; `user` (or x-clawflow-session-key) picks the session,
 * and x-clawflow-message-id (or Idempotency-Key) makes a retried request return the same reply without a new turn.
 */
export async function startApiServer({ client, config, logger, host, port }: ApiServerOptions): Promise<RunningApi> {
  // `clawflow` is the default agent; `clawflow/<agent>` names any agent.
  const defaultAgent = defaultAgentId(config);
  const agentOfModel = new Map([['clawflow', defaultAgent], ...agentIds(config).map((id) => [`clawflow/${id}`, id] as const)]);
  const models = [...agentOfModel.keys()];
  const token = apiToken(config);
  const expected = token ? `Bearer ${token}` : null;
  const internalToken = installSecret(config.paths.home, 'internal-token');
  /** The callers waiting on a streamed reply, by message id: the agent worker's deltas go to them. */
  const listeners = new Map<string, (delta: { stream: string; text: string }) => void>();

  const authorize = (req: IncomingMessage): void => {
    if (!expected) return;
    if (!sameSecret(req.headers.authorization ?? '', expected)) {
      throw new ApiError(
        401,
        'invalid_request_error',
        'invalid_api_key',
        'missing or wrong API key: send "Authorization: Bearer <token>" with the token `npx clawflow config --api-token` prints',
      );
    }
  };

  const complete = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const parsed = chatRequestSchema.safeParse(await readBody(req, config.api.maxBodyBytes));
    if (!parsed.success) {
      throw new ApiError(400, 'invalid_request_error', 'invalid_request', describeZodError(parsed.error, 'body'));
    }
    const request = parsed.data;
    if (!models.includes(request.model)) {
      throw new ApiError(
        404,
        'invalid_request_error',
        'model_not_found',
        `model "${request.model}" does not exist; use one of ${models.join(', ')} (GET /v1/models)`,
      );
    }
    const lastAssistant = request.messages.map((m) => m.role).lastIndexOf('assistant');
    const text = request.messages
      .slice(lastAssistant + 1)
      .filter((m) => m.role === 'user')
      .map((m) => textOf(m.content))
      .filter(Boolean)
      .join('\n\n');
    if (!text)
      throw new ApiError(
        400,
        'invalid_request_error',
        'invalid_request',
        'messages must end with a user message (the session keeps the history; send only what is new)',
      );

    const header = (name: string): string | undefined => {
      const value = req.headers[name];
      return typeof value === 'string' && value.trim() ? value.trim() : undefined;
    };
    const explicitKey = header('x-clawflow-session-key');
    const agentId = agentOfModel.get(request.model)!;
    const key = explicitKey
      ? formatSessionKey(resolveKey(config, explicitKey))
      : request.user
        ? sessionKey(agentId, 'api', request.user)
        : sessionKey(agentId, 'api', `oneoff-${randomUUID()}`);
    const idempotency = header('x-clawflow-message-id') ?? header('idempotency-key');
    const messageId = idempotency ? `api:${idempotency}` : `api:${randomUUID()}`;

    const id = `chatcmpl-${messageId.replace(/[^A-Za-z0-9-]/g, '')}`;
    const created = Math.floor(Date.now() / 1000);
    res.setHeader('x-clawflow-session-key', key);
    res.setHeader('x-clawflow-message-id', messageId.slice('api:'.length));
    // Without `user` (or a session key) a request is a conversation of its own: its session ends once it is answered.
    const oneOff = !explicitKey && !request.user;
    // The caller holds the install's API token: the sessions are theirs.
    const ask = () =>
      sendMessage(
        client,
        config,
        key,
        {
          messageId,
          text,
          fromOwner: true,
          fromAgentOwner: true,
          ...(request.user ? { sender: request.user } : {}),
          ...(request.stream ? { stream: true } : {}),
        },
        { oneOff },
      ).catch((error: unknown) => {
        throw apiErrorOf(error);
      });
    if (!request.stream) {
      const { text: reply, usage } = await ask();
      return sendJson(res, {
        id,
        object: 'chat.completion',
        created,
        model: request.model,
        choices: [{ index: 0, message: { role: 'assistant', content: reply, refusal: null }, logprobs: null, finish_reason: 'stop' }],
        // What the model calls of the turn used (0 when the provider does not say).
        usage: {
          prompt_tokens: usage?.inputTokens ?? 0,
          completion_tokens: usage?.outputTokens ?? 0,
          total_tokens: (usage?.inputTokens ?? 0) + (usage?.outputTokens ?? 0),
        },
      });
    }

    // stream: the model's text as it comes (relayed by the agent worker), then whatever the final reply adds.
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
    const chunk = (delta: Record<string, unknown>, finish: string | null): void =>
      void res.write(
        `data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created, model: request.model, choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }] })}\n\n`,
      );
    chunk({ role: 'assistant', content: '' }, null);
    let streamed = '';
    let firstStream: string | undefined;
    listeners.set(messageId, ({ stream, text: piece }) => {
      // Only the first attempt's text goes out as it comes: a retried call or a later tool round would repeat or
      // contradict it; the final reply settles the rest below.
      firstStream ??= stream;
      if (stream !== firstStream || !piece) return;
      streamed += piece;
      chunk({ content: piece }, null);
    });
    try {
      const { text: reply } = await ask();
      const rest = reply.startsWith(streamed) ? reply.slice(streamed.length) : `${streamed ? '\n\n' : ''}${reply}`;
      if (rest) chunk({ content: rest }, null);
      chunk({}, 'stop');
    } catch (error) {
      const failure = error instanceof ApiError ? error : apiErrorOf(error);
      res.write(`data: ${JSON.stringify({ error: { message: failure.message, type: failure.type, code: failure.code, param: null } })}\n\n`);
    } finally {
      listeners.delete(messageId);
    }
    res.end('data: [DONE]\n\n');
  };

  /**
   * A webhook (POST /hooks/<name>): accepted at once (202), its turn and delivery run in a workflow of their own. Its
   * sender shows the hook's own token, never the API's (which drives any session).
   */
  const hook = async (req: IncomingMessage, res: ServerResponse, name: string): Promise<void> => {
    const refused = new ApiError(
      401,
      'invalid_request_error',
      'invalid_hook_token',
      `missing or wrong token for the hook "${name}": send "Authorization: Bearer <token>" with the token \`npx clawflow config --hook-token ${name}\` prints`,
    );
    if (!Object.hasOwn(config.hooks, name)) {
      drain(req);
      // Whether a hook exists, and which do, is told to the API token's holder only: to anyone else it is a wrong token.
      if (expected !== null && !sameSecret(req.headers.authorization ?? '', expected)) throw refused;
      const hooks = Object.keys(config.hooks);
      throw new ApiError(
        404,
        'invalid_request_error',
        'hook_not_found',
        `no hook "${name}"${hooks.length ? ` (hooks: ${hooks.join(', ')})` : ': configure one under hooks in clawflow.json'}`,
      );
    }
    const own = hookToken(config, name);
    if (own !== null && !sameSecret(req.headers.authorization ?? '', `Bearer ${own}`)) {
      drain(req);
      throw refused;
    }
    const body = await readBody(req, config.api.maxBodyBytes);
    const idempotency = req.headers['idempotency-key'];
    const accepted = await startHookTurn(
      client,
      config,
      name,
      body,
      typeof idempotency === 'string' && idempotency.trim() ? idempotency.trim() : undefined,
    ).catch((error: unknown) => {
      throw error instanceof UnknownHookError ? new ApiError(404, 'invalid_request_error', 'hook_not_found', error.message) : error;
    });
    res.writeHead(202, { 'content-type': 'application/json' }).end(JSON.stringify(accepted));
  };

  /** The text of a streamed reply as the model writes it, from the agent worker on this machine. Never from a browser. */
  const delta = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const piece = await readInternalPost(req, res, { policy, internalToken, maxBytes: 70_000, what: 'the delta', schema: deltaSchema });
    if (!piece) return;
    listeners.get(piece.messageId)?.(piece);
    res.writeHead(204).end();
  };

  let policy: GuardPolicy = { port: port ?? config.api.port, allowedHosts: config.api.allowedHosts, allowedOrigins: config.api.allowedOrigins };
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    const handle = async (): Promise<void> => {
      if (req.method === 'POST' && path === '/internal/delta') return delta(req, res);
      if (applyCors(req, res, policy, ['authorization', 'content-type', 'x-clawflow-session-key', 'x-clawflow-message-id', 'idempotency-key'])) return;
      const refused = guardRequest(req, policy, req.method === 'POST' ? { accepted: ['application/json'] } : undefined);
      if (refused) {
        drain(req);
        throw new ApiError(refused.status, 'invalid_request_error', refused.code, refused.message);
      }
      // A hook authenticates with its own token.
      if (req.method === 'POST' && path?.startsWith('/hooks/')) return hook(req, res, path.slice('/hooks/'.length));
      authorize(req);
      if (req.method === 'GET' && path === '/v1/models') {
        return sendJson(res, { object: 'list', data: models.map((id) => ({ id, object: 'model', created: 0, owned_by: 'clawflow' })) });
      }
      if (req.method === 'POST' && path === '/v1/chat/completions') return complete(req, res);
      throw new ApiError(
        404,
        'invalid_request_error',
        'not_found',
        `no route for ${req.method} ${path}; this API serves POST /v1/chat/completions, GET /v1/models and POST /hooks/<name>`,
      );
    };
    handle().catch((error: unknown) => {
      if (res.headersSent) return void res.destroy();
      if (!req.complete) drain(req);
      if (error instanceof ApiError) return sendError(res, error);
      logger.error({ err: error }, 'API request failed');
      sendError(res, new ApiError(500, 'server_error', 'internal_error', (error as Error).message));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port ?? config.api.port, host ?? config.api.host, resolve);
  });
  const address = server.address() as AddressInfo;
  policy = { ...policy, port: address.port };
  return {
    url: `http://${address.address.includes(':') ? `[${address.address}]` : address.address}:${address.port}/v1`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
