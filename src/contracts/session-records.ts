// What sessions, activities, connectors and the transcript store all agree on: where an answer goes, and what a
// turn leaves in the transcript. Workflow-safe: no Node APIs, no I/O.
import { z } from 'zod';

/** The schemas of this file, built afresh with their own parts: the sessions' input checks own theirs (src/workflows/input-validation.ts). */
export function buildSessionRecordSchemas() {
  /** Where a channel message came from, so that the answer goes back there (the connector's `deliver`). */
  const replyRouteSchema = z
    .object({
      channel: z.string().min(1).max(64),
      account: z.string().max(256).optional(),
      chat: z.string().min(1).max(256),
      thread: z.string().max(256).optional(),
      /** The platform id of the message to answer (threads the reply where the platform can). */
      replyTo: z.string().max(256).optional(),
    })
    .strict();
  /** A file a tool produced for the agent and the channel (a screenshot), stored in the workspace. */
  const artifactSchema = z.object({
    kind: z.literal('image'),
    mimeType: z.string(),
    /** Relative to the workspace. */
    path: z.string(),
    bytes: z.number(),
  });
  const transcriptEntrySchema = z.object({
    turn: z.number().int().min(1),
    /** `summary`: a compaction — the turns through `throughTurn` are in the agent's context only as this summary. */
    role: z.enum(['user', 'assistant', 'error', 'summary']),
    text: z.string(),
    messageId: z.string().optional(),
    sender: z.string().optional(),
    at: z.string(),
    /** A `/new` or `/reset`: the turns before it are no longer the agent's context (they stay in the transcript). */
    reset: z.literal(true).optional(),
    /** On summaries: the last turn folded in. */
    throughTurn: z.number().int().min(0).optional(),
    /** On answers: the model that gave it, and the tokens the turn's model calls used (all its steps together). */
    model: z.string().optional(),
    /** On answers: the models that failed before `model` answered (model.fallbacks), and why. */
    failovers: z.array(z.object({ model: z.string(), kind: z.string() })).optional(),
    usage: z
      .object({ inputTokens: z.number().int().min(0), outputTokens: z.number().int().min(0), cachedTokens: z.number().int().min(0).optional() })
      .optional(),
    /** On answers: the runtime session that produced it, and the rotation that started it, if this turn did. */
    runtime: z
      .object({
        sessionId: z.string(),
        rotatedFrom: z.string().optional(),
        reason: z.enum(rotationReasons).optional(),
      })
      .optional(),
    /**
     * On answers: the rounds of tool calls before the answer, pruned (long arguments and results keep their start, or
     * head and tail): later turns see them again.
     */
    steps: z
      .array(
        z.object({
          text: z.string(),
          calls: z.array(z.object({ id: z.string(), name: z.string(), input: z.record(z.string(), z.unknown()), output: z.string(), isError: z.boolean() })),
        }),
      )
      .optional(),
    /** On answers: the tools the agent called in this turn, and the files they produced (screenshots). */
    tools: z
      .array(
        z.object({
          name: z.string(),
          isError: z.boolean(),
          artifacts: z.array(artifactSchema).optional(),
        }),
      )
      .optional(),
  });
  return { replyRouteSchema, artifactSchema, transcriptEntrySchema };
}

export type ReplyRoute = z.infer<typeof replyRouteSchema>;

/** A chat named as `channel:chat` (`telegram:123456`, `slack:C024BE91L`), as the CLI and the config write them; null when it is not one. */
export function parseChatTarget(text: string): { channel: string; chat: string } | null {
  const match = /^([a-z]+):(.+)$/.exec(text);
  return match ? { channel: match[1]!, chat: match[2]! } : null;
}

export type Artifact = z.infer<typeof artifactSchema>;

/** Why a session moved to a fresh runtime session. */
export const rotationReasons = ['idle', 'lifetime', 'lost'] as const;
export type RotationReason = (typeof rotationReasons)[number];

export type TranscriptEntry = z.infer<typeof transcriptEntrySchema>;

/** The schemas as every other module uses them (the sessions' input checks build their own: src/workflows/input-validation.ts). */
export const { replyRouteSchema, artifactSchema, transcriptEntrySchema } = buildSessionRecordSchemas();
