import type { Invocation, InvocationResult } from './contract.js';
import type { ModelMessage, ModelProvider } from './providers/provider.js';

export const defaultSystemPrompt =
  'You are a helpful personal assistant reached through a chat app. Answer concisely and carry the conversation forward using its history.';

/** The model's view of one turn: system prompt, the summary of older turns, recent history, the new messages. */
export function buildModelMessages(invocation: Invocation, systemPrompt = defaultSystemPrompt): ModelMessage[] {
  const system = invocation.summary ? `${systemPrompt}\n\nSummary of the earlier conversation:\n${invocation.summary}` : systemPrompt;
  return [
    { role: 'system', content: system },
    ...invocation.history,
    ...invocation.messages.map((m) => ({ role: 'user' as const, content: m.content })),
  ];
}

/** Runs one turn of the agent loop against the model. */
export async function runAgentTurn(provider: ModelProvider, invocation: Invocation, signal: AbortSignal): Promise<InvocationResult> {
  const completion = await provider.complete(buildModelMessages(invocation), signal);
  return {
    reply: completion.text,
    provider: provider.name,
    model: provider.model,
    ...(completion.usage ? { usage: completion.usage } : {}),
  };
}
