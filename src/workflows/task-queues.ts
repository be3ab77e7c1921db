/** Task queues, by what runs on them (README: "How a conversation stays alive"). */
export const taskQueues = {
  sessions: 'clawflow-sessions',
  agent: 'clawflow-agent',
  /** Tools run on the user's host, in the agent's workspace. */
  tools: 'clawflow-tools',
  /** Delivery and typing indicators run where the channel connections are. */
  connector: 'clawflow-connector',
} as const;

/** What waits on a task queue: the session workflows' tasks on theirs, activities on every other. */
export type TaskQueueKind = 'workflow' | 'activity';

export function taskQueueKind(queue: string): TaskQueueKind {
  return queue === taskQueues.sessions ? 'workflow' : 'activity';
}
