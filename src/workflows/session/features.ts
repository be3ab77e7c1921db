import { patched } from '@temporalio/workflow';
import type { SessionSettings } from '../messages.js';

/**
 * What this run of a session does differently from the code that started older runs. Each is a `patched()` call,
 * decided once at the start of the run: a run started by older code replays without the marker and keeps the old
 * behaviour to its end (its next continue-as-new starts a run with the new one); a new run records the marker. See
 * CONTRIBUTING.md, "Changing a workflow".
 */
export interface SessionFeatures {
  /** The queue has a cap and a drop policy (v0.2.0). */
  boundedQueue: boolean;
  /** A session started afresh (terminated, repaired) goes on from its transcript: turn numbers and recent context (v0.2.0). */
  resumeFromTranscript: boolean;
  /** Approval requests have short ids (6 characters, no look-alikes) instead of UUIDs: easy to type on a phone. */
  shortApprovalIds: boolean;
  /** Messages such as /status, /stop, /new are chat commands, answered without the model. */
  chatCommands: boolean;
  /** Queue modes (collect, followup, steer, interrupt) and /queue; before them every message was its own turn. */
  queueModes: boolean;
  /** Older turns are summarised into the context (compaction, /compact) instead of dropped past historyTurns. */
  compaction: boolean;
  /** /model: a session may switch among the configured models. */
  modelChoice: boolean;
  /** The reset policy (session.reset): daily, or after idle minutes, the conversation starts afresh. */
  resetPolicy: boolean;
  /** The `message` tool, answered by the session (a durable delivery mid-turn). */
  messageTool: boolean;
  /** `sessions_spawn`: sub-agents as child workflows (not offered to a sub-agent itself). */
  subagents: boolean;
  /** A fresh conversation (/new, the reset policy) reads the workspace again: prompt files and skills edited by hand. */
  freshWorkspace: boolean;
  /** The runtime is called by the session worker itself, a local activity: one workflow task per turn (v0.6.0). */
  agentInWorker: boolean;
  /** AgentCore Memory: each turn recalls relevant long-term records and is recorded as an event (v0.7.0). */
  agentcoreMemory: boolean;
  /** sessions_spawn is capped per turn and per conversation and day (v0.8.0). */
  subagentLimits: boolean;
  /**
   * What the session shows (search attributes) is written once per workflow task, with only what changed, and the
   * identity with the first state (v0.10.0): a turn answered within one task (an instant model) is one visibility
   * write, not three.
   */
  onePublicationPerTask: boolean;
  /**
   * The sessions worker describes the workspace itself (a local activity) when it is also the tools host, as in
   * `clawflow start`: a new session or run takes one workflow task less and no trip through the tools queue (v0.10.0).
   */
  describedInWorker: boolean;
  /**
   * Messages that reach the session together are queued in the order they were sent (`sentAt`, which the session
   * client stamps when the caller gives none), not the order Temporal hands them over (v0.10.0).
   */
  sentOrder: boolean;
  /**
   * The model call that gives a turn's answer writes the turn's transcript lines in the same local activity
   * (v0.11.0): a turn is one step shorter. For sessions whose worker calls the model (agentInWorker).
   */
  transcriptInModelCall: boolean;
  /**
   * What the session shows (search attributes) is written at most once per session.listRefreshSeconds, but at once
   * when a turn waits for approval or a turn shown running has ended (v0.11.0): a busy session's turns cost no
   * visibility write each.
   */
  publicationInterval: boolean;
  /**
   * `/usage` is a chat command (v0.11.0). A run of v0.11.0 has it with its release marker; a run started by code
   * between v0.10.0 and v0.11.0 asked for it when a message could be it (a `/usage`, a `/help`), by its own marker
   * `usage-command`, and a run of older code, which sent `/usage` to the model, replays without either.
   */
  readonly usageCommand: boolean;
  /** `/verbose on|off` is a chat command (v0.11.0); asked lazily, as `usageCommand`. */
  readonly verboseCommand: boolean;
  /** `/think off|low|medium|high` is a chat command (v0.11.0); asked lazily, as `usageCommand`. */
  readonly thinkCommand: boolean;
  /**
   * `sessions_spawn` with `wait: false`: the sub-agent runs in the background and its answer comes back as a message
   * (after v0.11.0). Asked lazily, when a turn first asks for one: sessions that never do record no marker.
   */
  readonly backgroundSubagents: boolean;
  /**
   * Approval requests remind, escalate, end at tools.exec.approvalTtl with the chat told, and are recorded in the
   * audit log (after v0.11.0). Asked lazily, when a request is made.
   */
  readonly approvalsThatWait: boolean;
  /**
   * A tool call waits for its host at most tools.hostWait, and the chat is told at once when no host is there (after
   * v0.11.0). Asked lazily, at a turn's first call to the tools host.
   */
  readonly toolsWaitForHost: boolean;
}

/**
 * A run started by this release's code: it has every feature above, recorded by this one marker instead of a marker
 * per feature (each `patched()` marker also upserts TemporalChangeVersion, a visibility write per feature for a new
 * session). A run started by older code replays without it and asks as it did: runs of v0.10.0 carry `session-v0.10`
 * (every feature up to `sentOrder`) and ask for the later ones by their own markers; older runs ask feature by feature.
 */
export const releasePatch = 'session-v0.11';
const v010ReleasePatch = 'session-v0.10';

export function sessionFeatures(fresh: boolean, settings: SessionSettings): SessionFeatures {
  const v011 = patched(releasePatch);
  const current = v011 || patched(v010ReleasePatch);
  const has = (patchId: string): boolean => current || patched(patchId);
  return {
    boundedQueue: has('bounded-queue'),
    // Only a fresh run looks at the transcript; a continued one carries its state.
    resumeFromTranscript: fresh && has('resume-from-transcript'),
    shortApprovalIds: has('short-approval-ids'),
    chatCommands: has('chat-commands'),
    queueModes: has('queue-modes'),
    compaction: has('compaction'),
    modelChoice: has('model-choice'),
    resetPolicy: has('reset-policy'),
    messageTool: has('message-tool'),
    subagents: has('subagents'),
    freshWorkspace: has('fresh-workspace'),
    // Only sessions configured for it record the marker; the others keep the agent task queue.
    agentInWorker: settings.agentInWorker && has('agent-in-worker'),
    // Likewise: only sessions with a memory configured record this marker.
    agentcoreMemory: settings.agentcoreMemory && has('agentcore-memory'),
    subagentLimits: has('subagent-limits'),
    onePublicationPerTask: current,
    describedInWorker: current,
    sentOrder: current,
    transcriptInModelCall: settings.agentInWorker && v011,
    publicationInterval: v011,
    get usageCommand() {
      return v011 || patched('usage-command');
    },
    get verboseCommand() {
      return v011 || patched('verbose-command');
    },
    get thinkCommand() {
      return v011 || patched('think-command');
    },
    get backgroundSubagents() {
      return patched('background-subagents');
    },
    get approvalsThatWait() {
      return patched('approvals-that-wait');
    },
    get toolsWaitForHost() {
      return patched('tools-wait-for-host');
    },
  };
}
