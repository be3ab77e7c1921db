import type { ModelMessage } from '../providers/provider.js';

/** How much of a `{prompt}` conversation is kept: the last turns, within a size, while its runtime session lives. */
export interface PromptConversationLimits {
  /** Exchanges (a prompt and its answer) kept per conversation. */
  turns: number;
  /** Characters of them kept per conversation (the oldest go first). */
  chars: number;
  /** Conversations kept at once (the least recently used go first). */
  sessions: number;
  /** A conversation idle this long is forgotten (AgentCore ends a runtime session idle for 15 minutes by default). */
  idleMs: number;
}

const defaultLimits: PromptConversationLimits = { turns: 20, chars: 100_000, sessions: 500, idleMs: 15 * 60_000 };

type Exchange = [ModelMessage, ModelMessage];

/**
 * The conversations of plain `{"prompt": …}` callers (`agentcore invoke`, `agentcore dev`), one per runtime session id:
 * the same id continues a conversation, as AgentCore's own templates do. In memory, bounded, and gone with the runtime
 * session — ClawFlow's own sessions keep theirs durably in Temporal instead.
 */
export class PromptConversations {
  readonly #conversations = new Map<string, { exchanges: Exchange[]; usedAt: number }>();

  constructor(
    private readonly limits: PromptConversationLimits = defaultLimits,
    private readonly clock: () => number = Date.now,
  ) {}

  /** What the model is sent: the conversation so far, then the new prompt. */
  messages(sessionId: string, prompt: string): ModelMessage[] {
    this.#forgetIdle();
    const kept = this.#conversations.get(sessionId)?.exchanges ?? [];
    return [...kept.flat(), { role: 'user', content: prompt }];
  }

  /** An answered prompt joins its conversation. */
  answered(sessionId: string, prompt: string, answer: string): void {
    const conversation = this.#conversations.get(sessionId) ?? { exchanges: [], usedAt: 0 };
    this.#conversations.delete(sessionId);
    conversation.exchanges.push([
      { role: 'user', content: prompt },
      { role: 'assistant', content: answer },
    ]);
    conversation.usedAt = this.clock();
    while (conversation.exchanges.length > this.limits.turns || (conversation.exchanges.length > 1 && charsOf(conversation.exchanges) > this.limits.chars)) {
      conversation.exchanges.shift();
    }
    this.#conversations.set(sessionId, conversation);
    while (this.#conversations.size > this.limits.sessions) this.#conversations.delete(this.#conversations.keys().next().value!);
  }

  get size(): number {
    return this.#conversations.size;
  }

  #forgetIdle(): void {
    const before = this.clock() - this.limits.idleMs;
    for (const [id, conversation] of this.#conversations) if (conversation.usedAt < before) this.#conversations.delete(id);
  }
}

function charsOf(exchanges: readonly Exchange[]): number {
  return exchanges.reduce((sum, [prompt, answer]) => sum + prompt.content.length + answer.content.length, 0);
}
