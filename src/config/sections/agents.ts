import { z } from 'zod';
import { budgetLimits } from './budget.js';
import { fallback } from './model.js';

// The agents, and which chats go to which (OpenClaw's agents.list and bindings).

/** An agent's id (and other names of ClawFlow's own). */
const identifier = z.string().regex(/^[a-z0-9][a-z0-9_-]{0,63}$/, 'use lowercase letters, digits, "-" and "_" (at most 64)');

export const agent = z
  .object({
    /** The agent a session key without an agent part belongs to. */
    id: identifier.default('main'),
    /** Longest a single agent invocation may run before it is retried. */
    turnTimeoutSeconds: z.number().int().min(1).max(3600).default(300),
    /** A worker that dies mid-invocation is noticed after this long, and the invocation retried elsewhere. */
    heartbeatTimeoutSeconds: z.number().int().min(1).max(600).default(5),
    /** How long a turn keeps retrying a failing runtime or model before it gives up with an error reply. */
    retryForSeconds: z.number().int().min(1).max(86_400).default(1800),
    /** Tool rounds one turn may take before the model must answer in words. */
    maxToolSteps: z.number().int().min(1).max(100).default(8),
    /**
     * The session worker calls the runtime itself (a local activity): one workflow task per turn instead of two,
     * and no trip through the server's task queues. Off: the call is an activity on the agent task queue, for
     * session workers that cannot reach the runtime (then a worker serving `agent` must run).
     */
    callsInWorker: z.boolean().default(true),
  })
  .strict()
  .prefault({});

/** More agents besides the default one (OpenClaw's agents.list): each with its own workspace, model and tools. */
export const agents = z
  .object({
    list: z
      .array(
        z
          .object({
            id: identifier,
            /** This agent answers what no binding routes elsewhere (instead of agent.id). */
            default: z.boolean().optional(),
            /** What it is called (shown by clawflow agents list). */
            name: z.string().min(1).max(100).optional(),
            /** Its workspace. Unset: <CLAWFLOW_HOME>/workspace-<id> (the default agent: workspace.dir). */
            workspace: z.string().min(1).optional(),
            /** The model it answers with, one the configured provider serves. Unset: model.name. */
            model: z.string().min(1).max(200).optional(),
            /** Models that answer, in order, when its model cannot (the fields of model.fallbacks); unset: model.fallbacks. */
            fallbacks: z.array(fallback).max(10).optional(),
            /** What this agent may spend, besides the install's `budget`. */
            budget: budgetLimits.optional(),
            tools: z
              .object({
                /** Tools this agent is not offered (e.g. ["exec", "browser"]; "github__*" for every tool of the MCP server "github"). */
                deny: z.array(z.string().min(1)).default([]),
                /** Its own exec policy instead of tools.exec.policy. */
                execPolicy: z.enum(['deny', 'allowlist', 'ask', 'full']).optional(),
              })
              .strict()
              .prefault({}),
          })
          .strict(),
      )
      .max(50)
      .default([]),
  })
  .strict()
  .prefault({});

/** Which agent answers which chats (OpenClaw's bindings): the most specific match wins, then the first listed. */
export const bindings = z
  .array(
    z
      .object({
        agentId: identifier,
        match: z
          .object({
            channel: z.string().min(1),
            /** The bot or workspace account the message came to (Telegram bot id, Slack team, …). */
            accountId: z.string().min(1).optional(),
            /** One chat: a direct chat with a sender (their id), or a group (its chat id). */
            peer: z
              .object({ kind: z.enum(['direct', 'group']), id: z.string().min(1) })
              .strict()
              .optional(),
          })
          .strict(),
      })
      .strict(),
  )
  .max(500)
  .default([]);
