import { z } from 'zod';
import { port } from '../contracts/config-fields.js';
import { channelConfigShape } from '../channels/manifests.js';
import { agent, agents, bindings } from './sections/agents.js';
import { agentcore, memory, runtime, temporal } from './sections/compute.js';
import { hooks, messages, schedules, session } from './sections/conversations.js';
import { model } from './sections/model.js';
import { budgetLimits } from './sections/budget.js';
import { api, consolePage, history, log, media, metrics, tracing } from './sections/surfaces.js';
import { approvals, skills, tools, workspace } from './sections/tools.js';

/** The whole configuration file. Every object is strict so that a misspelt key is reported by name. */
export const configFileSchema = z
  .object({
    agent,
    agents,
    bindings,
    model,
    /** What the agents may spend together (agents.list[].budget: one agent's own). */
    budget: budgetLimits,
    temporal,
    runtime,
    agentcore,
    workspace,
    tools,
    approvals,
    channels: z
      .object({
        ...channelConfigShape,
        /** The loopback port on which the connector takes the text of replies being written, from the agent worker (streaming). */
        previewPort: port.default(18793),
      })
      .strict()
      .prefault({}),
    schedules,
    hooks,
    api,
    console: consolePage,
    session,
    memory,
    messages,
    media,
    metrics,
    tracing,
    history,
    skills,
    log,
  })
  .strict();

export type ConfigFile = z.infer<typeof configFileSchema>;
