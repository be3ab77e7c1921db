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
