import type { Client } from '@temporalio/client';
import type { AgentTransport } from '../agent/transport/index.js';
import type { ClawflowConfig } from '../config/load.js';
import { createScheduledTurnActivities } from './scheduled-turns.js';
import type { DeltaSink } from '../connectors/delta-sink.js';
import { createInvokeAgentActivities } from './invoke-agent.js';
import { createTranscriptActivities } from './transcript.js';

export interface AgentActivityDeps {
  transport: AgentTransport;
  deltas: DeltaSink;
  client: Client;
  config: ClawflowConfig;
}

/** The activities of the `clawflow-agent` task queue, wired to their dependencies. */
export function createAgentActivities(deps: AgentActivityDeps) {
  return {
    ...createInvokeAgentActivities(deps.transport, deps.deltas),
    ...createScheduledTurnActivities(deps.client, deps.config),
  };
}

export { createTranscriptActivities };
export type TranscriptActivities = ReturnType<typeof createTranscriptActivities>;

export type AgentActivities = ReturnType<typeof createAgentActivities>;
export { createToolActivities, type RunToolOutcome, type ToolActivities, type WorkspaceContext } from './tools.js';
export { createConnectorActivities, type ConnectorActivities } from './connector.js';
