import { proxyActivities, proxyLocalActivities } from '@temporalio/workflow';
import type { ApprovalAuditActivities } from '../../contracts/approval-audit.js';
import type {
  AgentActivities,
  ConnectorActivities,
  LocalWorkspaceActivities,
  MemoryActivities,
  RecordingAgentActivities,
  SealActivities,
  ToolActivities,
  ToolsHostActivities,
  TranscriptActivities,
} from '../../contracts/activities.js';
import type { SessionSettings } from '../messages.js';
import { taskQueues } from '../task-queues.js';
import type { SessionFeatures } from './features.js';

/** For work that may be retried as often as it takes (idempotent, or deduplicated by its key): soon, then backing off. */
const retryWithBackoff = { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '30s' } as const;

/** The activities a session calls, each with the timeouts and retries its kind of work needs. */
export function sessionActivities(settings: SessionSettings, features: Pick<SessionFeatures, 'agentInWorker'>) {
  const agentQueue = proxyActivities<AgentActivities>({
    taskQueue: taskQueues.agent,
    startToCloseTimeout: settings.turnTimeoutSeconds * 1000,
    heartbeatTimeout: settings.heartbeatTimeoutSeconds * 1000,
    scheduleToCloseTimeout: settings.retryForSeconds * 1000,
    retry: retryWithBackoff,
  });
  const inWorker = {
    startToCloseTimeout: settings.turnTimeoutSeconds * 1000,
    scheduleToCloseTimeout: settings.retryForSeconds * 1000,
    retry: retryWithBackoff,
  };
  return {
    // In the session worker, the call keeps the workflow task open (heartbeating it, so a message that comes meanwhile
    // waits at most 80% of the session's workflow task timeout) and a worker that dies is replaced after that timeout.
    agent: features.agentInWorker ? proxyLocalActivities<AgentActivities>(inWorker) : agentQueue,
    /** The same call in the session worker, writing the turn's transcript lines when it gives the answer. */
    agentRecording: proxyLocalActivities<RecordingAgentActivities>(inWorker),
    /** The agent through its task queue, whatever agentInWorker says (a run's last turn). */
    agentQueue,
    // A tool call runs once: a command that may have half run is reported to the model, never silently repeated.
    tools: proxyActivities<ToolActivities>({
      taskQueue: taskQueues.tools,
      startToCloseTimeout: '2h',
      heartbeatTimeout: settings.heartbeatTimeoutSeconds * 1000,
      scheduleToCloseTimeout: settings.retryForSeconds * 1000 + 2 * 3600 * 1000,
      retry: { maximumAttempts: 1 },
    }),
    // The same call, waiting in the tools queue at most `seconds` for its host (asleep, offline) to take it; then it did not run.
    toolsWaitingFor: (seconds: number) =>
      proxyActivities<ToolActivities>({
        taskQueue: taskQueues.tools,
        scheduleToStartTimeout: seconds * 1000,
        startToCloseTimeout: '2h',
        heartbeatTimeout: settings.heartbeatTimeoutSeconds * 1000,
        scheduleToCloseTimeout: seconds * 1000 + 2 * 3600 * 1000,
        retry: { maximumAttempts: 1 },
      }),
    // Whether a tools host polls its queue now (asked of Temporal by the sessions worker).
    toolsHost: proxyLocalActivities<ToolsHostActivities>({
      startToCloseTimeout: '10s',
      retry: { maximumAttempts: 2 },
    }),
    // The tools host may be asleep: do not hold a turn long for its workspace, answer without it and try again later.
    workspaceHost: proxyActivities<ToolActivities>({
      taskQueue: taskQueues.tools,
      scheduleToStartTimeout: '5s',
      startToCloseTimeout: '30s',
      retry: { maximumAttempts: 2 },
    }),
    // The same, from the sessions worker itself when it is also the tools host (it answers null when it is not).
    workspaceHere: proxyLocalActivities<LocalWorkspaceActivities>({
      startToCloseTimeout: '30s',
      retry: { maximumAttempts: 2 },
    }),
    // Replies go out through the connector that holds the channel; deliveries are idempotent per turn, so retry freely.
    connector: proxyActivities<ConnectorActivities>({
      taskQueue: taskQueues.connector,
      startToCloseTimeout: '60s',
      // A connector that dies mid-delivery is replaced this soon (deliver heartbeats every second).
      heartbeatTimeout: settings.heartbeatTimeoutSeconds * 1000,
      scheduleToCloseTimeout: settings.retryForSeconds * 1000,
      retry: retryWithBackoff,
    }),
    typingIndicator: proxyActivities<ConnectorActivities>({
      taskQueue: taskQueues.connector,
      scheduleToCloseTimeout: '10s',
      retry: { maximumAttempts: 1 },
    }),
    // Best effort: nothing waits on it for long.
    housekeeping: proxyActivities<AgentActivities>({
      taskQueue: taskQueues.agent,
      startToCloseTimeout: '30s',
      scheduleToCloseTimeout: '2m',
      retry: retryWithBackoff,
    }),
    // The transcript must never lose a turn: keep retrying until the store takes it. A local activity: the sessions
    // worker writes the line itself, without a round trip through the server's queues.
    persistence: proxyLocalActivities<TranscriptActivities>({
      startToCloseTimeout: '30s',
      retry: retryWithBackoff,
    }),
    // The approvals audit log is kept where the sessions run; a retried line is dropped by its reader.
    audit: proxyLocalActivities<ApprovalAuditActivities>({
      startToCloseTimeout: '10s',
      retry: retryWithBackoff,
    }),
    // The sessions worker holds the install's key: a seal is checked there, and the key never enters history.
    seal: proxyLocalActivities<SealActivities>({
      startToCloseTimeout: '10s',
      retry: { initialInterval: '1s', maximumAttempts: 5 },
    }),
    // AgentCore Memory (agentcore.memoryId): recalling must not hold a turn up for long; recording is idempotent.
    memoryRecall: proxyActivities<MemoryActivities>({
      taskQueue: taskQueues.agent,
      scheduleToCloseTimeout: '20s',
      startToCloseTimeout: '10s',
      retry: { initialInterval: '500ms', maximumAttempts: 3 },
    }),
    // At most two minutes: a run waits for its turns' records before it continues as new.
    memoryRecord: proxyActivities<MemoryActivities>({
      taskQueue: taskQueues.agent,
      startToCloseTimeout: '30s',
      scheduleToCloseTimeout: '2m',
      retry: retryWithBackoff,
    }),
  };
}

export type SessionActivities = ReturnType<typeof sessionActivities>;
