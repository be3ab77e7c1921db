// The agent runtime's invocation contract (AgentCore Runtime: POST /invocations, GET /ping).
// Workflow-safe: the session workflow imports its types, the activity and the runtime its schemas.
import { z } from 'zod';

export const runtimeSessionHeader = 'x-amzn-bedrock-agentcore-runtime-session-id';

export const chatMessageSchema = z
  .object({
    role: z.enum(['user', 'assistant']),
    content: z.string(),
  })
  .strict();
export type ChatMessage = z.infer<typeof chatMessageSchema>;

/** Everything one turn needs: the runtime keeps nothing between invocations. */
export const invocationSchema = z
  .object({
    sessionKey: z.string().min(1).max(400),
    turn: z.number().int().min(1),
    summary: z.string().max(100_000).nullable().default(null),
    history: z.array(chatMessageSchema).max(2000),
    messages: z
      .array(
        z
          .object({
            messageId: z.string().min(1),
            content: z.string().min(1),
            sender: z.string().optional(),
          })
          .strict(),
      )
      .min(1, 'an invocation needs at least one new message'),
  })
  .strict();
export type Invocation = z.input<typeof invocationSchema>;

export const invocationResultSchema = z.object({
  reply: z.string(),
  provider: z.string(),
  model: z.string(),
  usage: z.object({ inputTokens: z.number().int(), outputTokens: z.number().int() }).partial().optional(),
});
export type InvocationResult = z.infer<typeof invocationResultSchema>;

/** Error body of a failed invocation: `retryable` tells the caller whether trying again can help. */
export const runtimeErrorSchema = z.object({
  error: z.object({ type: z.string(), message: z.string(), retryable: z.boolean() }),
});
export type RuntimeErrorBody = z.infer<typeof runtimeErrorSchema>;

export const pingSchema = z.object({
  status: z.enum(['Healthy', 'HealthyBusy']),
  time_of_last_update: z.number().int(),
});
export type PingBody = z.infer<typeof pingSchema>;
