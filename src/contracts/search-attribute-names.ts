// Workflow-safe, and free of Temporal's SDK: read by the workflow's typed keys and by the CLI's light HTTP reads.

/** The names of the custom search attributes every session keeps current. */
export const sessionSearchAttributeNames = {
  agent: 'ClawflowAgent',
  channel: 'ClawflowChannel',
  peer: 'ClawflowPeer',
  lastActivity: 'ClawflowLastActivity',
  turns: 'ClawflowTurns',
  status: 'ClawflowStatus',
  runtimeSession: 'ClawflowRuntimeSession',
  rotations: 'ClawflowRuntimeRotations',
} as const;

/** The visibility query for the running sessions that wait for the owner's answer to a request. */
export const awaitingApprovalQuery = `WorkflowType = 'SessionWorkflow' AND ExecutionStatus = 'Running' AND ${sessionSearchAttributeNames.status} = 'awaiting-approval'`;

/** Names and server-side types, for registering them (`--search-attribute Name=Type` or the operator service). */
export const searchAttributeRegistrations: ReadonlyArray<{ name: string; type: 'Keyword' | 'Int' | 'Datetime' }> = [
  { name: sessionSearchAttributeNames.agent, type: 'Keyword' },
  { name: sessionSearchAttributeNames.channel, type: 'Keyword' },
  { name: sessionSearchAttributeNames.peer, type: 'Keyword' },
  { name: sessionSearchAttributeNames.lastActivity, type: 'Datetime' },
  { name: sessionSearchAttributeNames.turns, type: 'Int' },
  { name: sessionSearchAttributeNames.status, type: 'Keyword' },
  { name: sessionSearchAttributeNames.runtimeSession, type: 'Keyword' },
  { name: sessionSearchAttributeNames.rotations, type: 'Int' },
];
