import type { ChatMessage } from '../contract.js';

export interface ModelMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

export interface Completion {
  text: string;
  usage?: { inputTokens?: number; outputTokens?: number };
}

/** A model behind one API family. */
export interface ModelProvider {
  readonly name: string;
  readonly model: string;
  complete(messages: ModelMessage[], signal: AbortSignal): Promise<Completion>;
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

export type { ChatMessage };
