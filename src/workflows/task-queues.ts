/** Task queues, by what runs on them (see DESIGN.md). */
export const taskQueues = {
  sessions: 'clawflow-sessions',
  agent: 'clawflow-agent',
} as const;
