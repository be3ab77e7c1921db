import { ApplicationFailure, Context } from '@temporalio/activity';
import type { z } from 'zod';
import { TransportError, type AgentTransport } from '../agent/transport/index.js';
import type { AgentActivities, DeltaSink } from '../contracts/activities.js';
import { invocationResultSchema, summaryResultSchema, type Invocation } from '../contracts/agent-runtime.js';
import { runtimeSessionLostType } from '../contracts/runtime-failures.js';
import { type ImageRef } from '../contracts/image-ref.js';
import type { ImageLinks } from '../tools/image-links.js';
import { mainSessionKey, parseSessionKey } from '../contracts/session-key.js';
import type { BudgetGate } from '../usage/budget-gate.js';
import { whileHeartbeating } from '../temporal/heartbeat.js';

/** A transport failure as Temporal should treat it: retry, give up, or (lost session) let the workflow start afresh. */
function toActivityFailure(error: unknown): unknown {
  if (!(error instanceof TransportError)) return error;
  if (error.kind === 'sessionLost') return ApplicationFailure.nonRetryable(error.message, runtimeSessionLostType);
  return ApplicationFailure.create({ message: error.message, type: error.type, nonRetryable: error.kind === 'fatal' });
}

export interface AgentActivityDeps {
  transport: AgentTransport;
  deltas: DeltaSink;
  /** Links to the images on the tools host, for the runtime to fetch; null: no image server (images are only named). */
  imageLinks: ImageLinks | null;
  /** The model an agent answers with when its session chose none (agents.list[].model); undefined: the runtime's default. */
  agentModel?: (agentId: string) => string | undefined;
  /** The budgets a model call is held to (budget, agents.list[].budget); unset: none. */
  budget?: Pick<BudgetGate, 'spent' | 'warnings'>;
}

/** The failure type of a turn refused because a budget is spent (its message says which, and when it resets). */
export const budgetSpentType = 'BudgetSpent';

/** The invocation as the runtime gets it: each image reference with a fresh link to it (links never enter history). */
function withImageLinks(invocation: Invocation, links: ImageLinks | null): Invocation {
  if (!links) return invocation;
  const linked = <T extends { images?: ImageRef[] | undefined }>(holder: T): T =>
    holder.images?.length ? { ...holder, images: holder.images.map((image) => ({ ...image, url: links.urlFor(image.path) })) } : holder;
  return {
    ...invocation,
    messages: invocation.messages.map(linked),
    ...(invocation.steps
      ? {
          steps: invocation.steps.map((step) => ({
            ...step,
            results: step.results.map(linked),
            ...(step.messages ? { messages: step.messages.map(linked) } : {}),
          })),
        }
      : {}),
  };
}

/** The activities of the `clawflow-agent` task queue that talk to the agent runtime. */
export function createAgentActivities({ transport, deltas, imageLinks, agentModel, budget }: AgentActivityDeps): AgentActivities {
  /** One request to the runtime, heartbeating while it runs, its answer checked against what `what` must look like. */
  const ask = async <T>(runtimeSessionId: string, payload: unknown, schema: z.ZodType<T>, what: string, onText?: (text: string) => void): Promise<T> => {
    const context = Context.current();
    try {
      const body = await whileHeartbeating(() => transport.invoke(runtimeSessionId, payload, context.cancellationSignal, onText));
      const result = schema.safeParse(body);
      if (result.success) return result.data;
      throw ApplicationFailure.nonRetryable(
        `${transport.description} answered ${what} with an unexpected body: ${result.error.message}`,
        'RuntimeProtocolError',
      );
    } catch (error) {
      throw toActivityFailure(error);
    }
  };
  return {
    /** Runs one step of a turn on the agent runtime; heartbeats while the model thinks. */
    async invokeAgent({ runtimeSessionId, invocation, route, streamTo }) {
      const reply = { workflowId: Context.current().info.workflowExecution?.workflowId ?? invocation.sessionKey, turn: invocation.turn };
      const onText = route
        ? deltas.accepts(route)
          ? deltas.open(route, reply)
          : undefined
        : streamTo
          ? (deltas.openForCaller(streamTo) ?? undefined)
          : undefined;
      const agent = parseSessionKey(invocation.sessionKey).agent;
      // Before every model call, from what the ledger holds: a spent budget answers without one.
      const spent = budget?.spent(agent);
      if (spent) throw ApplicationFailure.nonRetryable(spent, budgetSpentType);
      // A session's /model choice, else its agent's own model.
      const model = invocation.model ?? agentModel?.(agent);
      const started = performance.now();
      const result = await ask(
        runtimeSessionId,
        withImageLinks(model ? { ...invocation, model } : invocation, imageLinks),
        invocationResultSchema,
        'an invocation',
        onText,
      );
      Context.current()
        .metricMeter.createHistogram(
          'clawflow_model_step_latency',
          'int',
          'ms',
          'One step of a turn on the agent runtime (the model call and what surrounds it)',
        )
        .record(Math.round(performance.now() - started), { agent, model: result.model, kind: result.kind });
      // A budget nearly spent is told to the owner once, with an answer in their main conversation.
      if (result.kind === 'reply' && budget && invocation.sessionKey === mainSessionKey(agent)) {
        const warnings = budget.warnings(agent);
        if (warnings.length) return { ...result, reply: `${result.reply}\n\n(${warnings.join(' ')})` };
      }
      return result;
    },

    /** Folds older turns into the running summary (compaction); heartbeats while the model writes. */
    async summarizeConversation({ runtimeSessionId, request }) {
      return ask(runtimeSessionId, request, summaryResultSchema, 'a summary request');
    },

    /** Ends a runtime session the workflow has moved away from. */
    async stopRuntimeSession({ runtimeSessionId }) {
      try {
        await transport.stopSession(runtimeSessionId);
      } catch (error) {
        throw toActivityFailure(error);
      }
    },
  };
}
