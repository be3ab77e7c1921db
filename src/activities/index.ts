import type { JsonlTranscriptStore } from '../transcript/jsonl-store.js';
import { createInvokeAgentActivity } from './invoke-agent.js';
import { createTranscriptActivities } from './transcript.js';

export interface AgentActivityDeps {
  runtimeUrl: string;
  transcripts: JsonlTranscriptStore;
}

/** The activities of the `clawflow-agent` task queue, wired to their dependencies. */
export function createAgentActivities(deps: AgentActivityDeps) {
  return {
    ...createInvokeAgentActivity({ runtimeUrl: deps.runtimeUrl }),
    ...createTranscriptActivities(deps.transcripts),
  };
}

export type AgentActivities = ReturnType<typeof createAgentActivities>;
