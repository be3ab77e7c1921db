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

export interface ModelRequest {
  system: string;
  messages: ModelMessage[];
  tools: ToolSpec[];
  /** False when the model must answer in words (the turn's last allowed step). */
  toolsAllowed: boolean;
}

export interface Completion {
  text: string;
  toolCalls: ToolCall[];
  usage?: { inputTokens?: number; outputTokens?: number };
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

/** A model call that failed; `retryable` says whether the same call may succeed later. */
export class ProviderError extends Error {
  override name = 'ProviderError';
  constructor(
    message: string,
    readonly retryable: boolean,
  ) {
    super(message);
  }
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

/** POSTs JSON to a model endpoint; network failures and timeouts become retryable provider errors. */
export async function postJson(url: string, headers: Record<string, string>, body: unknown, signal: AbortSignal, timeoutMs: number): Promise<Response> {
  try {
    return await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify(body),
      signal: AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)]),
    });
  } catch (error) {
    if (signal.aborted) throw error;
    const cause = (error as Error).name === 'TimeoutError' ? 'timed out' : `is unreachable: ${String((error as Error).cause ?? (error as Error).message)}`;
    throw new ProviderError(`model endpoint ${url} ${cause}`, true);
  }
}

/** Throws a provider error for a non-2xx answer, keeping the start of the body for the person reading it. */
export async function failOnHttpError(response: Response, what: string): Promise<void> {
  if (response.ok) return;
  const text = await response.text().catch(() => '');
  throw new ProviderError(`${what} answered HTTP ${response.status}: ${text.slice(0, 500)}`, isRetryableStatus(response.status));
}
