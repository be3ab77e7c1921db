// The agent runtime's invocation contract (AgentCore Runtime: POST /invocations, GET /ping).
// Workflow-safe: the session workflow imports its types, the activity and the runtime its schemas.
import { z } from 'zod';
import { imageRefSchema, maxImagesPerMessage } from './image-ref.js';
import { thinkingLevels } from './thinking-levels.js';

export const runtimeSessionHeader = 'x-amzn-bedrock-agentcore-runtime-session-id';

/** AgentCore's limits on `runtimeSessionId`. */
export const runtimeSessionIdLength = { min: 33, max: 256 } as const;
/**
 * For a plain `{"prompt": …}` caller: AgentCore itself enforces 33+ before anything reaches the container, and
 * `agentcore dev` sends the 17-character `local-dev-session`; ClawFlow's own invocations keep the strict rule.
 */
export const promptSessionIdLength = { min: 1, max: 256 } as const;

/** A tool the model may call: name, description, JSON Schema of its input. */
export const toolSpecSchema = z
  .object({
    name: z.string().regex(/^[a-zA-Z0-9_-]{1,64}$/),
    description: z.string(),
    inputSchema: z.record(z.string(), z.unknown()),
  })
  .strict();
export type ToolSpec = z.infer<typeof toolSpecSchema>;

export const toolCallSchema = z
  .object({
    id: z.string().min(1),
    name: z.string().min(1),
    input: z.record(z.string(), z.unknown()),
  })
  .strict();
export type ToolCall = z.infer<typeof toolCallSchema>;

export const toolResultSchema = z
  .object({
    callId: z.string().min(1),
    name: z.string().min(1),
    output: z.string(),
    isError: z.boolean(),
    /** Images the tool shows the model with its result (the image tool, a screenshot), by workspace path. */
    images: z.array(imageRefSchema).max(maxImagesPerMessage).optional(),
  })
  .strict();
export type ToolResult = z.infer<typeof toolResultSchema>;

/**
 * A message of an earlier turn as the model sees it again: what the user and the assistant said, and the tool calls
 * the assistant made with their results (pruned: long outputs keep their head and tail).
 */
export const chatMessageSchema = z.union([
  z.object({ role: z.enum(['user', 'assistant']), content: z.string() }).strict(),
  z.object({ role: z.literal('assistant'), content: z.string(), toolCalls: z.array(toolCallSchema).min(1) }).strict(),
  z.object({ role: z.literal('tool'), callId: z.string().min(1), name: z.string().min(1), content: z.string(), isError: z.boolean() }).strict(),
]);
export type ChatMessage = z.infer<typeof chatMessageSchema>;

/** One answered turn of the conversation as the model sees it. */
export const historyTurnSchema = z.object({ turn: z.number().int().min(1), messages: z.array(chatMessageSchema) }).strict();
export type HistoryTurn = z.infer<typeof historyTurnSchema>;

/** A message of the user's that the turn answers. */
export const newMessageSchema = z
  .object({
    messageId: z.string().min(1),
    content: z.string().min(1),
    sender: z.string().optional(),
    /** Images it carries, shown to a vision model with its words (their paths are named in `content` too). */
    images: z.array(imageRefSchema).max(maxImagesPerMessage).optional(),
  })
  .strict();
export type NewMessage = z.infer<typeof newMessageSchema>;

/** One round of tool use inside a turn: what the model asked for, what the tools answered, and what the user added meanwhile. */
export const toolStepSchema = z
  .object({
    text: z.string().default(''),
    toolCalls: z.array(toolCallSchema).min(1),
    results: z.array(toolResultSchema),
    /** Messages that came while the tools ran (queue mode `steer`): the model reads them after the results. */
    messages: z.array(newMessageSchema).optional(),
  })
  .strict();
export type ToolStep = z.input<typeof toolStepSchema>;

/**
 * The conversation before this turn. `full` rehydrates a runtime session from nothing (a fresh AgentCore microVM);
 * `cached` says "you already hold the answered turns up to `throughTurn`" and sends only what is new. A runtime that
 * does not hold them answers 409 `SessionContextMissing`, and the caller starts a fresh session with `full`.
 */
export const invocationContextSchema = z.discriminatedUnion('mode', [
  z
    .object({
      mode: z.literal('full'),
      systemPrompt: z.string().max(200_000).nullable().default(null),
      summary: z.string().max(100_000).nullable().default(null),
      history: z.array(historyTurnSchema).max(500),
      /** How many recent turns the conversation keeps in view; the runtime trims its cache to the same window. */
      keepTurns: z.number().int().min(1).max(500),
    })
    .strict(),
  z.object({ mode: z.literal('cached'), throughTurn: z.number().int().min(0) }).strict(),
]);
export type InvocationContext = z.input<typeof invocationContextSchema>;

/**
 * Models and keys that failed lately and are skipped until `until` (ms since the epoch): the runtime's view, carried
 * by the session from one call to the next so that a restarted runtime does not try them again at once.
 */
export const modelCooldownsSchema = z.record(z.string().max(300), z.object({ until: z.number().int().min(0), failures: z.number().int().min(1) }).strict());
export type ModelCooldowns = z.infer<typeof modelCooldownsSchema>;

/** Everything one step of a turn needs; the runtime keeps nothing it cannot be given again. */
export const invocationSchema = z
  .object({
    sessionKey: z.string().min(1).max(400),
    turn: z.number().int().min(1),
    context: invocationContextSchema,
    messages: z.array(newMessageSchema).min(1, 'an invocation needs at least one new message'),
    tools: z.array(toolSpecSchema).default([]),
    /** Tool rounds already done in this turn, oldest first. */
    steps: z.array(toolStepSchema).default([]),
    /** False on the last step a turn allows: the model must answer in words. */
    toolsAllowed: z.boolean().default(true),
    /** One of the runtime's model choices (/model); unset: its default model. */
    model: z.string().min(1).max(200).optional(),
    /** What the session knows of failed models (model.fallbacks): sent only when something is cooling. */
    cooldowns: modelCooldownsSchema.optional(),
    /** How hard the model thinks (/think); unset: the runtime's default (model.thinking). */
    thinking: z.enum(thinkingLevels).optional(),
  })
  .strict();
export type Invocation = z.input<typeof invocationSchema>;
export type ParsedInvocation = z.output<typeof invocationSchema>;

/**
 * Compaction: the model folds older turns into the conversation's running summary. Sent to the same runtime as the
 * turns; the runtime keeps nothing of it.
 */
export const summarizeRequestSchema = z
  .object({
    summarize: z
      .object({
        sessionKey: z.string().min(1).max(400),
        /** The summary so far: the new one replaces it, with the turns folded in. */
        previousSummary: z.string().max(100_000).nullable(),
        /** The turns to fold in, oldest first. */
        history: z.array(historyTurnSchema).max(1000),
        /** What the user asked the summary to focus on (/compact <instructions>). */
        instructions: z.string().max(2_000).optional(),
        /** Longest summary wanted; a longer one is cut. */
        maxChars: z.number().int().min(200).max(100_000),
      })
      .strict(),
  })
  .strict();
export type SummarizeRequest = z.input<typeof summarizeRequestSchema>;

export const summaryResultSchema = z.object({
  kind: z.literal('summary'),
  summary: z.string(),
  provider: z.string(),
  model: z.string(),
  usage: z.object({ inputTokens: z.number().int(), outputTokens: z.number().int() }).partial().optional(),
});
export type SummaryResult = z.infer<typeof summaryResultSchema>;

/** What the AgentCore console and CLI send when a person tests an agent by hand. */
export const plainPromptSchema = z.object({ prompt: z.string().min(1, 'prompt must not be empty') }).strict();

const usageSchema = z.object({ inputTokens: z.number().int(), outputTokens: z.number().int(), cachedTokens: z.number().int() }).partial();
/**
 * Models (or keys of one) that failed before `model` answered (model.fallbacks): which, and why (the endpoint's own
 * words stay in the runtime: they may quote a key).
 */
const failoversSchema = z.array(z.object({ model: z.string(), kind: z.string() })).max(50);

export const invocationResultSchema = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('reply'),
    reply: z.string(),
    provider: z.string(),
    model: z.string(),
    usage: usageSchema.optional(),
    failovers: failoversSchema.optional(),
    cooldowns: modelCooldownsSchema.optional(),
  }),
  z.object({
    kind: z.literal('toolCalls'),
    text: z.string(),
    toolCalls: z.array(toolCallSchema).min(1),
    provider: z.string(),
    model: z.string(),
    usage: usageSchema.optional(),
    failovers: failoversSchema.optional(),
    cooldowns: modelCooldownsSchema.optional(),
  }),
]);
export type InvocationResult = z.infer<typeof invocationResultSchema>;

/** Error body of a failed invocation: `retryable` tells the caller whether trying again can help. */
export const runtimeErrorSchema = z.object({
  error: z.object({ type: z.string(), message: z.string(), retryable: z.boolean() }),
});
export type RuntimeErrorBody = z.infer<typeof runtimeErrorSchema>;

/**
 * HTTP statuses of a failed invocation. They carry the meaning on their own, because AgentCore passes only the
 * status of a container's error on to the caller ("Received error (409) from runtime").
 */
export const runtimeErrorStatus = {
  badRequest: 400,
  contextMissing: 409,
  modelRefused: 422,
  modelUnavailable: 502,
  internal: 500,
} as const;

export const pingSchema = z.object({
  status: z.enum(['Healthy', 'HealthyBusy']),
  time_of_last_update: z.number().int(),
});
export type PingBody = z.infer<typeof pingSchema>;
