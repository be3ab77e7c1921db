import type { ChatMessage, InvocationResult, ParsedInvocation } from '../../contracts/agent-runtime.js';
import { inSpan } from '../../telemetry/spans.js';
import { pruneSteps, stepMessages } from '../../contracts/tool-pruning.js';
import { FailoverProvider } from '../providers/failover.js';
import type { ModelMessage, ModelProvider, ModelRequest, ThinkingLevel } from '../providers/provider.js';
import { loadImages, toolImages, withImages, type LoadedImages } from './image-inputs.js';
import type { SessionContext, SessionContextCache } from './session-cache.js';

export const defaultSystemPrompt =
  'You are a helpful personal assistant reached through a chat app. Answer concisely and carry the conversation forward using its history.';

/** The runtime session does not hold the context a `cached` invocation relies on. */
export class ContextMissingError extends Error {
  override name = 'SessionContextMissing';
}

/** The model's view of one step: system prompt and summary, recent turns, the new messages, this turn's tool rounds. */
export function buildModelRequest(context: SessionContext, invocation: ParsedInvocation, images: LoadedImages | null = null): ModelRequest {
  const base = context.systemPrompt ?? defaultSystemPrompt;
  const system = context.summary ? `${base}\n\nSummary of the earlier conversation:\n${context.summary}` : base;
  const earlier = context.turns.flatMap((t) => t.messages);
  const messages: ModelMessage[] = [
    // Providers refuse tool calls in a request that offers no tools (the tools host was away): then they are told in words.
    ...(invocation.tools.length ? earlier : earlier.map(inWords)),
    ...invocation.messages.map((m) => withImages(m, images)),
    ...invocation.steps.flatMap((step): ModelMessage[] => [
      { role: 'assistant', content: step.text, toolCalls: step.toolCalls },
      ...step.results.map((r) => ({ role: 'tool' as const, callId: r.callId, name: r.name, content: r.output, isError: r.isError })),
      ...toolImages(step.results, images),
      ...(step.messages ?? []).map((m) => withImages(m, images)),
    ]),
  ];
  return { system, messages, tools: invocation.tools, toolsAllowed: invocation.toolsAllowed };
}

/** An earlier tool call or result as plain text, for a request without tools. */
function inWords(message: ChatMessage): ModelMessage {
  if (message.role === 'tool')
    return { role: 'user', content: `[Result of the earlier ${message.name} call${message.isError ? ' (failed)' : ''}: ${message.content}]` };
  if ('toolCalls' in message)
    return {
      role: 'assistant',
      content: `${message.content}${message.content ? '\n' : ''}[Called ${message.toolCalls.map((c) => `${c.name} ${JSON.stringify(c.input)}`).join('; ')}]`,
    };
  return message;
}

function contextFor(cache: SessionContextCache, sessionId: string, invocation: ParsedInvocation): SessionContext {
  const { context } = invocation;
  if (context.mode === 'full') {
    return cache.load(sessionId, { systemPrompt: context.systemPrompt, summary: context.summary, keepTurns: context.keepTurns, turns: context.history });
  }
  const resumed = cache.resume(sessionId, context.throughTurn);
  if (!resumed)
    throw new ContextMissingError(`runtime session ${sessionId} does not hold the conversation through turn ${context.throughTurn}; send the full context`);
  return resumed;
}

export interface TurnOptions {
  signal: AbortSignal;
  onText?: (delta: string) => void;
}

export interface StepOptions extends TurnOptions {
  /** Show the messages' images to the model (a vision model: model.vision); false: it reads only that they came. */
  vision: boolean;
  /** The thinking level when the invocation names none (model.thinking). */
  thinking?: ThinkingLevel;
}

/** Runs one step of the agent loop: the model answers in words, or asks for tools. */
export async function runAgentStep(
  provider: ModelProvider,
  cache: SessionContextCache,
  sessionId: string,
  invocation: ParsedInvocation,
  options: StepOptions,
): Promise<InvocationResult> {
  const context = contextFor(cache, sessionId, invocation);
  // Earlier turns keep only the words: the images were seen once, and their paths stay named in the text.
  const images = options.vision ? await loadImages(invocation, options.signal) : null;
  const completion = await inSpan(
    'model.complete',
    { 'clawflow.provider': provider.name, 'clawflow.model': provider.model, 'clawflow.turn': invocation.turn },
    async (span) => {
      const thinking = invocation.thinking ?? options.thinking;
      const answer = await provider.complete({ ...buildModelRequest(context, invocation, images), ...(thinking ? { thinking } : {}) }, options);
      span.setAttributes({
        'clawflow.tool_calls': answer.toolCalls.length,
        ...(answer.usage ? { 'clawflow.input_tokens': answer.usage.inputTokens, 'clawflow.output_tokens': answer.usage.outputTokens } : {}),
      });
      return answer;
    },
  );
  const about = {
    provider: provider.name,
    model: completion.model ?? provider.model,
    ...(completion.usage ? { usage: completion.usage } : {}),
    ...(completion.failovers?.length ? { failovers: completion.failovers.map(({ model, kind }) => ({ model, kind })) } : {}),
    // What the chain knows of failed models now, for the session to carry (empty once they all answer again).
    ...(provider instanceof FailoverProvider ? { cooldowns: provider.cooldowns.snapshot() } : {}),
  };
  if (completion.toolCalls.length > 0) return { kind: 'toolCalls', text: completion.text, toolCalls: completion.toolCalls, ...about };
  cache.record(sessionId, {
    turn: invocation.turn,
    // As the session workflow keeps the turn (its window): the user's messages, the tool rounds pruned, the answer.
    messages: [
      ...[...invocation.messages, ...invocation.steps.flatMap((step) => step.messages ?? [])].map((m) => ({ role: 'user' as const, content: m.content })),
      ...stepMessages(pruneSteps(invocation.steps)),
      { role: 'assistant', content: completion.text },
    ],
  });
  return { kind: 'reply', reply: completion.text, ...about };
}

/** Answers a bare `{"prompt": "..."}` (the AgentCore console's test payload): one question, no history, no tools. */
export async function answerPlainPrompt(provider: ModelProvider, messages: ModelMessage[], options: TurnOptions): Promise<string> {
  const completion = await provider.complete({ system: defaultSystemPrompt, messages, tools: [], toolsAllowed: false }, options);
  return completion.text;
}
