// The session workflow's interface, defined once: the workflow and every caller import it.
// Workflow-safe: no Node APIs, no I/O.
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import { z } from 'zod';
import { buildImageRefSchemas, maxImagesPerMessage } from '../contracts/image-ref.js';
import { queueModes, type QueueMode } from '../contracts/queue-modes.js';
import { thinkingLevels } from '../contracts/thinking-levels.js';
import { buildSessionRecordSchemas, type ReplyRoute, type TranscriptEntry } from '../contracts/session-records.js';

/**
 * The schemas of this file, built afresh with their own parts: the sessions' input checks own theirs
 * (input-validation.ts), since the SDK freezes what it shares and zod finishes a schema on its first parse.
 */
export function buildMessageSchemas() {
  const { replyRouteSchema, transcriptEntrySchema } = buildSessionRecordSchemas();
  const { imageRefSchema } = buildImageRefSchemas();
  const inboundMessageSchema = z
    .object({
      /** The platform's own message id; a message redelivered with the same id is dropped. */
      messageId: z.string().trim().min(1, 'messageId must not be empty').max(256, 'messageId is longer than 256 characters'),
      text: z.string().trim().min(1, 'text must not be empty').max(100_000, 'text is longer than 100,000 characters'),
      sender: z.string().max(256).optional(),
      sentAt: z.iso.datetime({ offset: true }).optional(),
      route: replyRouteSchema.optional(),
      /** The sender owns this conversation (may run the chat commands that change it, e.g. /new, /stop). */
      fromOwner: z.boolean().optional(),
      /**
       * The sender owns the agent (a channel's owners or allowFrom, the WebChat's key holder, the CLI, the API), not only
       * this conversation: a turn of such messages alone may change the agent's instructions without asking.
       */
      fromAgentOwner: z.boolean().optional(),
      /** The caller reads the reply as it is written (the API with `stream: true`): the model's text goes to it as it comes. */
      stream: z.boolean().optional(),
      /** Images saved in the workspace with the message, by path: a vision model is shown them with its words. */
      images: z
        .array(imageRefSchema.omit({ url: true }))
        .max(maxImagesPerMessage)
        .optional(),
    })
    .strict();
  /** Limits a session is created with, from the configuration; carried across continue-as-new. */
  const sessionSettingsSchema = z
    .object({
      historyTurns: z.number().int().min(1).max(500),
      continueAsNewAfterTurns: z.number().int().min(1).max(10_000),
      dedupeWindow: z.number().int().min(10).max(100_000),
      turnTimeoutSeconds: z.number().int().min(1),
      heartbeatTimeoutSeconds: z.number().int().min(1),
      retryForSeconds: z.number().int().min(1),
      // Defaults keep sessions started before these settings existed valid.
      maxToolSteps: z.number().int().min(1).max(100).default(8),
      runtimeIdleSeconds: z.number().int().min(1).default(900),
      runtimeMaxLifetimeSeconds: z.number().int().min(1).default(28_800),
      runtimeRotationMarginSeconds: z.number().int().min(0).default(60),
      approvalTimeoutSeconds: z.number().int().min(1).default(600),
      /** While an approval waits: remind this often (0: never), and tell these chats ("channel:chat") after this long; absent before v0.12. */
      approvalRemindSeconds: z.number().int().min(0).optional(),
      approvalEscalateTo: z.array(z.string().max(300)).max(20).optional(),
      approvalEscalateAfterSeconds: z.number().int().min(1).optional(),
      /** How long a tool call waits for the tools host to take it, and per tool (tools.hostWait*); absent before v0.12. */
      toolHostWaitSeconds: z.number().int().min(1).optional(),
      toolHostWaitPerTool: z.record(z.string(), z.number().int().min(1)).optional(),
      /** Messages waiting behind a turn (OpenClaw's messages.queue.cap), their characters together, and what gives way. */
      queueCap: z.number().int().min(1).max(1000).default(20),
      queueMaxChars: z.number().int().min(1000).max(300_000).default(100_000),
      queueDrop: z.enum(['old', 'new', 'summarize']).default('summarize'),
      /** The conversation's share of a model request, in tokens (estimated): past it, older turns are summarised (compaction). */
      contextTokens: z.number().int().min(1000).max(2_000_000).default(32_000),
      /** Characters per token of the provider's tokenizer, for that estimate. */
      charsPerToken: z.number().min(1).max(10).default(4),
      /** When the conversation starts afresh on its own (OpenClaw's session.reset); checked when a message comes. */
      reset: z
        .object({
          mode: z.enum(['off', 'daily', 'idle']),
          atHour: z.number().int().min(0).max(23),
          idleMinutes: z.number().min(0),
          timeZone: z.string().min(1),
        })
        .strict()
        .default({ mode: 'off', atHour: 4, idleMinutes: 0, timeZone: 'UTC' }),
      /** Chats besides its own the `message` tool may send to ("channel:chat"; tools.message.allowedTargets). */
      messageTargets: z.array(z.string()).default([]),
      /** Models a session may switch to with /model besides the runtime's default (model.choices). */
      modelChoices: z.array(z.string()).default([]),
      /** What messages that arrive during a turn do (OpenClaw's messages.queue.mode); a session may choose its own (/queue). */
      queueMode: z.enum(queueModes).default('collect'),
      /** In `collect`, the next turn starts once the waiting messages have been quiet this long. */
      queueDebounceMs: z.number().int().min(0).max(60_000).default(500),
      /** The session worker calls the runtime itself, as a local activity (agent.callsInWorker); absent before v0.6.0. */
      agentInWorker: z.boolean().default(false),
      /** Turns are recorded in AgentCore Memory and its records recalled into them (agentcore.memoryId); absent before v0.7.0. */
      agentcoreMemory: z.boolean().default(false),
      /** Sub-agents a turn, and a conversation in a day, may spawn (tools.sessions.maxSpawnsPer*); absent before v0.8.0. */
      spawnsPerTurn: z.number().int().min(0).max(50).default(5),
      spawnsPerDay: z.number().int().min(0).max(10_000).default(50),
      /** What `sessions list` shows of a busy session may be this far behind (session.listRefreshSeconds); absent before v0.11.0. */
      listRefreshSeconds: z.number().int().min(0).max(3600).optional(),
    })
    .strict();
  /** What a finished turn answered to one message; `error` is set when the agent could not answer. */
  const turnReplySchema = z.object({
    messageId: z.string(),
    turn: z.number().int(),
    text: z.string(),
    error: z.string().optional(),
    /** Tokens the turn's model calls used, when the provider reports them. */
    usage: z.object({ inputTokens: z.number().int().min(0), outputTokens: z.number().int().min(0) }).optional(),
  });
  const queuedMessageSchema = inboundMessageSchema.extend({
    receivedAt: z.string(),
    /** A `send` update is waiting for this message's reply, so it must be answered in the current run. */
    awaited: z.boolean(),
  });
  /** The AgentCore runtime session a conversation currently runs in; rotated before the service's limits end it. */
  const runtimeSessionStateSchema = z.object({
    id: z.string(),
    /** When its first invocation was sent (null: not used yet). */
    startedAt: z.string().nullable(),
    lastUsedAt: z.string().nullable(),
    /** The last answered turn this runtime session holds in its context; null: it must be sent the full context. */
    syncedThroughTurn: z.number().int().min(0).nullable(),
    /** How many times the conversation has moved to a fresh runtime session. */
    rotations: z.number().int().min(0),
  });
  const usageTodaySchema = z.object({
    day: z.string(),
    inputTokens: z.number().int().min(0),
    outputTokens: z.number().int().min(0),
    turns: z.number().int().min(0),
  });
  /** Everything a session hands to its next run when it continues as new. */
  const carriedStateSchema = z.object({
    turns: z.number().int().min(0),
    runs: z.number().int().min(1),
    createdAt: z.string(),
    lastActivity: z.string().nullable(),
    window: z.array(transcriptEntrySchema),
    seenMessageIds: z.array(z.string()),
    queue: z.array(queuedMessageSchema),
    recentReplies: z.array(turnReplySchema),
    runtimeSession: runtimeSessionStateSchema,
    rejected: z.array(z.string()),
    /** Commands the user approved "always" in this session. */
    alwaysApproved: z.array(z.string()).default([]),
    /** Where the last channel message came from: heartbeats answer there. */
    lastRoute: replyRouteSchema.optional(),
    /** How messages that gave way to a full queue began (summarize): the next turn is told. */
    dropped: z.array(z.string()).default([]),
    /** Answers to deliver first (a repaired session's turns whose delivery did not finish); idempotent by their keys. */
    pendingDeliveries: z
      .array(z.object({ route: replyRouteSchema, text: z.string(), images: z.array(z.string()).optional(), idempotencyKey: z.string() }))
      .optional(),
    /** The model that answered last, and the tokens used on the current (UTC) day. */
    lastModel: z.string().optional(),
    usageToday: usageTodaySchema.optional(),
    /** Models and keys that failed lately (model.fallbacks), as the runtime last reported them: skipped until `until`. */
    modelCooldowns: z.record(z.string(), z.object({ until: z.number(), failures: z.number() })).optional(),
    /** The model's summary of the turns compaction took out of the window (v0.1.0 carried an empty slot: null). */
    summary: z
      .object({ text: z.string(), throughTurn: z.number().int().min(0), compactions: z.number().int().min(0) })
      .nullable()
      .optional(),
    /** When the current context started: the session's start, or its last reset (/new, or the reset policy). */
    contextStartedAt: z.string().optional(),
    /** The model this session chose with /model (else the runtime's default). */
    model: z.string().optional(),
    /** The queue mode this session chose with /queue (else the settings' queueMode). */
    queueMode: z.enum(queueModes).optional(),
    /** /verbose on: the chat sees each round of tool calls as it starts. */
    verbose: z.literal(true).optional(),
    /** How hard the model thinks in this conversation (/think); unset: the runtime's default. */
    thinking: z.enum(thinkingLevels).optional(),
    /** Sub-agents spawned on the current (UTC) day: the daily cap holds across continue-as-new. */
    spawnsToday: z.object({ day: z.string(), count: z.number().int().min(0) }).optional(),
  });
  const sessionInputSchema = z
    .object({
      sessionKey: z.string().min(1),
      settings: sessionSettingsSchema,
      carried: carriedStateSchema.optional(),
      /** The install's seal over `carried` when it did not come from the session's own continue-as-new (sessions repair). */
      carriedSeal: z.string().max(200).optional(),
      /** A one-off session (an API request without `user`, an isolated cron job): it ends once its turn is answered. */
      oneOff: z.boolean().optional(),
      /** A sub-agent's task (sessions_spawn): answered first, its reply the workflow's result; a sub-agent spawns none. */
      task: z
        .object({ messageId: z.string().min(1).max(256), text: z.string().min(1).max(100_000) })
        .strict()
        .optional(),
      /**
       * A sub-agent in the background (sessions_spawn with wait: false): its answer goes to this session as a message
       * (to be answered on `route`), and it is stopped past `timeoutSeconds`.
       */
      reportTo: z
        .object({
          workflowId: z.string().min(1).max(1000),
          route: replyRouteSchema.optional(),
          label: z.string().max(40).optional(),
          timeoutSeconds: z.number().int().min(10).max(86_400),
        })
        .strict()
        .optional(),
    })
    .strict();
  const approvalDecisionSchema = z
    .object({
      requestId: z.string().min(1),
      decision: z.enum(['once', 'always', 'deny']),
      /** The answer comes from the agent's owner (needed for a request only they may answer). */
      byAgentOwner: z.boolean().optional(),
      /** Who answered ("telegram:12345", the CLI's user) and through what, for the audit log (approvals log). */
      by: z.string().max(256).optional(),
      via: z.enum(['chat', 'cli', 'console', 'api']).optional(),
    })
    .strict();
  return {
    inboundMessageSchema,
    sessionSettingsSchema,
    turnReplySchema,
    queuedMessageSchema,
    runtimeSessionStateSchema,
    usageTodaySchema,
    carriedStateSchema,
    sessionInputSchema,
    approvalDecisionSchema,
  };
}

export type InboundMessage = z.infer<typeof inboundMessageSchema>;

export type SessionSettings = z.infer<typeof sessionSettingsSchema>;

export type TurnReply = z.infer<typeof turnReplySchema>;

export type QueuedMessage = z.infer<typeof queuedMessageSchema>;

export type RuntimeSessionState = z.infer<typeof runtimeSessionStateSchema>;

export type UsageToday = z.infer<typeof usageTodaySchema>;

export type CarriedState = z.infer<typeof carriedStateSchema>;

export type SessionInput = z.infer<typeof sessionInputSchema>;

export type SessionStatusName = 'idle' | 'running' | 'awaiting-approval';

/** A tool call waiting for the user's yes or no (exec under the `ask` policy). */
export interface ApprovalRequest {
  requestId: string;
  tool: string;
  /** What would run, e.g. the command line. */
  subject: string;
  /** Only the agent's owner may answer it (a change to the agent's instructions). */
  ownerOnly?: boolean;
  requestedAt: string;
  expiresAt: string;
  /** The owner's other chats were told of it (approvals.escalateTo). */
  escalated?: boolean;
}

export type ApprovalDecision = z.infer<typeof approvalDecisionSchema>;

export interface SessionStatus {
  sessionKey: string;
  status: SessionStatusName;
  turns: number;
  queued: number;
  queueMode: QueueMode;
  runs: number;
  createdAt: string;
  lastActivity: string | null;
  runtimeSession: RuntimeSessionState;
  /** The most recent inputs the session refused, with the reason. */
  rejected: string[];
  pendingApprovals: ApprovalRequest[];
  /** The messages taken and not yet answered (the turn's, then the queue's); unset from a worker before 0.9. */
  unanswered?: Array<{ messageId: string; text: string }>;
  lastRoute?: ReplyRoute;
}

/** Fire-and-forget delivery (connectors): the reply goes out through the channel. */
export const inboundSignal = defineSignal<[InboundMessage]>('inbound');
/** Deliver a message and wait for the reply of the turn that answers it. */
export const sendUpdate = defineUpdate<TurnReply, [InboundMessage]>('send');
/** Stop the running turn: its model and tool calls are cancelled (a command's processes die); queued messages stay. */
export const stopSignal = defineSignal('stop');
/** The user's answer to an approval request. */
export const approvalSignal = defineSignal<[ApprovalDecision]>('approval');
/** The recent window of the conversation kept in the workflow (the full transcript is in the transcript store). */
export const transcriptQuery = defineQuery<TranscriptEntry[]>('transcript');
export const statusQuery = defineQuery<SessionStatus>('status');

/** The schemas as every other module uses them (the sessions' input checks build their own: src/workflows/input-validation.ts). */
export const {
  inboundMessageSchema,
  sessionSettingsSchema,
  turnReplySchema,
  queuedMessageSchema,
  runtimeSessionStateSchema,
  usageTodaySchema,
  carriedStateSchema,
  sessionInputSchema,
  approvalDecisionSchema,
} = buildMessageSchemas();
