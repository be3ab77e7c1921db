import type { InvocationResult, ParsedInvocation } from '../../contracts/agent-runtime.js';
import type { ModelMessage, ModelProvider, ModelRequest } from '../providers/provider.js';
import type { SessionContext, SessionContextCache } from './session-cache.js';

export const defaultSystemPrompt =
  'You are a helpful personal assistant reached through a chat app. Answer concisely and carry the conversation forward using its history.';

/** The runtime session does not hold the context a `cached` invocation relies on. */
export class ContextMissingError extends Error {
  override name = 'SessionContextMissing';
}

/** The model's view of one step: system prompt and summary, recent turns, the new messages, this turn's tool rounds. */
export function buildModelRequest(context: SessionContext, invocation: ParsedInvocation): ModelRequest {
  const base = context.systemPrompt ?? defaultSystemPrompt;
  const system = context.summary ? `${base}\n\nSummary of the earlier conversation:\n${context.summary}` : base;
  const messages: ModelMessage[] = [
    ...context.turns.flatMap((t) => t.messages),
    ...invocation.messages.map((m) => ({ role: 'user' as const, content: m.content })),
    ...invocation.steps.flatMap((step): ModelMessage[] => [
      { role: 'assistant', content: step.text, toolCalls: step.toolCalls },
      ...step.results.map((r) => ({ role: 'tool' as const, callId: r.callId, name: r.name, content: r.output, isError: r.isError })),
      ...(step.messages ?? []).map((m) => ({ role: 'user' as const, content: m.content })),
    ]),
  ];
  return { system, messages, tools: invocation.tools, toolsAllowed: invocation.toolsAllowed };
}

function contextFor(cache: SessionContextCache, sessionId: string, invocation: ParsedInvocation): SessionContext {
  const { context } = invocation;
  if (context.mode === 'full') {
    return cache.load(sessionId, { systemPrompt: context.systemPrompt, summary: context.summary, keepTurns: context.keepTurns, turns: context.history });
  }
  const resumed = cache.resume(sessionId, context.throughTurn);
  if (!resumed) throw new ContextMissingError(`runtime session ${sessionId} does not hold the conversation through turn ${context.throughTurn}; send the full context`);
  return resumed;
}

export interface TurnOptions {
  signal: AbortSignal;
  onText?: (delta: string) => void;
}

/** Runs one step of the agent loop: the model answers in words, or asks for tools. */
export async function runAgentStep(
  provider: ModelProvider,
  cache: SessionContextCache,
  sessionId: string,
  invocation: ParsedInvocation,
  options: TurnOptions,
): Promise<InvocationResult> {
  const context = contextFor(cache, sessionId, invocation);
  const completion = await provider.complete(buildModelRequest(context, invocation), options);
  const about = { provider: provider.name, model: provider.model, ...(completion.usage ? { usage: completion.usage } : {}) };
  if (completion.toolCalls.length > 0) return { kind: 'toolCalls', text: completion.text, toolCalls: completion.toolCalls, ...about };
  cache.record(sessionId, {
    turn: invocation.turn,
    messages: [
      ...[...invocation.messages, ...invocation.steps.flatMap((step) => step.messages ?? [])].map((m) => ({ role: 'user' as const, content: m.content })),
      { role: 'assistant', content: completion.text },
    ],
  });
  return { kind: 'reply', reply: completion.text, ...about };
}

/** Answers a bare `{"prompt": "..."}` (the AgentCore console's test payload): one question, no history, no tools. */
export async function answerPlainPrompt(provider: ModelProvider, prompt: string, options: TurnOptions): Promise<string> {
  const completion = await provider.complete({ system: defaultSystemPrompt, messages: [{ role: 'user', content: prompt }], tools: [], toolsAllowed: false }, options);
  return completion.text;
}
