/** Task queues, by what runs on them (README: "How a conversation stays alive"). */
export const taskQueues = {
  sessions: 'clawflow-sessions',
  agent: 'clawflow-agent',
  /** Tools run on the user's host, in the agent's workspace. */
  tools: 'clawflow-tools',
  /** Delivery and typing indicators run where the channel connections are. */
  connector: 'clawflow-connector',
} as const;
