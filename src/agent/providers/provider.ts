import { FetchFailed, fetchWithin } from '../../http/deadline.js';
import type { ThinkingLevel } from '../../contracts/thinking-levels.js';
import type { ToolCall, ToolSpec } from '../../contracts/agent-runtime.js';

/** An image the model is shown with a user message: fetched and downscaled by the runtime, base64-encoded. */
export interface ModelImage {
  mimeType: 'image/jpeg' | 'image/png' | 'image/gif' | 'image/webp';
  data: string;
}

/** The conversation as every provider adapter receives it; each maps it onto its own wire format. */
export type ModelMessage =
  | { role: 'user'; content: string; images?: ModelImage[] }
  | { role: 'assistant'; content: string; toolCalls?: ToolCall[] }
  | { role: 'tool'; callId: string; name: string; content: string; isError: boolean };

export type { ThinkingLevel };

/** Anthropic's (and Bedrock's Claude's) thinking budget for each level, in tokens. */
export const thinkingBudgets = { low: 2048, medium: 8192, high: 24576 } as const;

export interface ModelRequest {
  system: string;
  messages: ModelMessage[];
  tools: ToolSpec[];
  /** False when the model must answer in words (the turn's last allowed step). */
  toolsAllowed: boolean;
  thinking?: ThinkingLevel;
}

/**
 * The thinking budget a Messages-style request (Anthropic, Bedrock's Claude) gets: none when thinking is off or unset,
 * and none for a request that goes on after tool results — those APIs want that round's thinking blocks sent back,
 * which ClawFlow does not keep, so a turn thinks at its first step.
 */
export function thinkingBudgetFor(request: ModelRequest): number | null {
  if (!request.thinking || request.thinking === 'off') return null;
  if (request.messages.at(-1)?.role === 'tool') return null;
  return thinkingBudgets[request.thinking];
}

export interface Completion {
  text: string;
  toolCalls: ToolCall[];
  /** Tokens in (all of the prompt), out, and of the prompt those read from the provider's cache (cheaper). */
  usage?: { inputTokens?: number; outputTokens?: number; cachedTokens?: number };
  /** The model that answered, when a chain of them was tried (model.fallbacks); unset: the provider's own. */
  model?: string;
  /** The models (or keys) that failed first, in order. */
  failovers?: Failover[];
}

/** A model (or one key of it) that failed during a call, before another answered. */
export interface Failover {
  model: string;
  kind: ModelFailureKind;
  message: string;
}

export interface CompleteOptions {
  signal: AbortSignal;
  /** Called with each piece of text as the model produces it (adapters that cannot stream call it once). */
  onText?: (delta: string) => void;
}

/** A model behind one API family. */
export interface ModelProvider {
  readonly name: string;
  readonly model: string;
  complete(request: ModelRequest, options: CompleteOptions): Promise<Completion>;
}

/**
 * Why a model call failed, as far as another model or key could fix it: `unreachable`, `timeout`, `server` (5xx, a
 * garbled answer) and `contextLength` (the conversation is too long for this model) another model may answer;
 * `rateLimited` (429) and `auth` (401/403) another key of the same model may; `request` (a request of ours the
 * endpoint refuses) none would.
 */
export type ModelFailureKind = 'unreachable' | 'timeout' | 'server' | 'rateLimited' | 'auth' | 'contextLength' | 'request';

/** A model call that failed; `retryable` says whether the same call may succeed later, `kind` why it failed. */
export class ProviderError extends Error {
  override name = 'ProviderError';
  constructor(
    message: string,
    readonly retryable: boolean,
    readonly kind: ModelFailureKind = retryable ? 'server' : 'request',
  ) {
    super(message);
  }
}

const contextLengthWords = /context[ _-]?(length|window)|maximum context|too many tokens|prompt is too long|input is too long|reduce the length/i;

/** The failure kind of an HTTP answer's status (and, for a 400, its words: a context-length refusal). */
export function failureKindOf(status: number, body = ''): ModelFailureKind {
  if (status === 429) return 'rateLimited';
  if (status === 401 || status === 403) return 'auth';
  if (status === 408) return 'timeout';
  if ((status === 400 || status === 413) && contextLengthWords.test(body)) return 'contextLength';
  return status >= 500 || status === 409 ? 'server' : 'request';
}

/**
 * Anthropic and Bedrock Converse want user and assistant turns to alternate, with tool results inside a user
 * turn: consecutive messages of one role become one message of blocks.
 */
export function alternatingTurns<Block>(
  messages: ModelMessage[],
  blocksOf: (message: ModelMessage) => Block[],
): Array<{ role: 'user' | 'assistant'; content: Block[] }> {
  const turns: Array<{ role: 'user' | 'assistant'; content: Block[] }> = [];
  for (const message of messages) {
    const role = message.role === 'assistant' ? 'assistant' : 'user';
    const last = turns.at(-1);
    if (last?.role === role) last.content.push(...blocksOf(message));
    else turns.push({ role, content: blocksOf(message) });
  }
  return turns;
}

/** Retryable HTTP statuses of model APIs: timeouts, rate limits, overload and server faults. */
export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 409 || status === 429 || status >= 500;
}

/** Parses a tool call's JSON arguments; a model that produced invalid JSON gets its text back as `_raw`. */
export function parseToolArguments(text: string): Record<string, unknown> {
  if (!text.trim()) return {};
  try {
    const value: unknown = JSON.parse(text);
    return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : { value };
  } catch {
    return { _raw: text };
  }
}

/**
 * POSTs JSON to a model endpoint and reads its answer with `read`, the two held to one deadline (see fetchWithin): an
 * endpoint that cannot be reached or does not answer in time is a retryable provider error; what `read` throws
 * passes through.
 */
export async function postJson<T>(
  url: string,
  headers: Record<string, string>,
  body: unknown,
  signal: AbortSignal,
  timeoutMs: number,
  read: (response: Response) => Promise<T>,
): Promise<T> {
  try {
    return await fetchWithin(
      url,
      { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) },
      timeoutMs,
      signal,
      read,
    );
  } catch (error) {
    if (!(error instanceof FetchFailed)) throw error;
    throw new ProviderError(
      `model endpoint ${url} ${error.timedOut ? 'timed out' : `is unreachable: ${error.detail}`}`,
      true,
      error.timedOut ? 'timeout' : 'unreachable',
    );
  }
}

/** Throws a provider error for a non-2xx answer, keeping the start of the body for the person reading it. */
export async function failOnHttpError(response: Response, what: string): Promise<void> {
  if (response.ok) return;
  const text = await response.text().catch(() => '');
  throw new ProviderError(
    `${what} answered HTTP ${response.status}: ${text.slice(0, 500)}`,
    isRetryableStatus(response.status),
    failureKindOf(response.status, text),
  );
}
