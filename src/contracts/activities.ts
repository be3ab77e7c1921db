// Every activity the workflows call, as types only: its name, its input, what it answers. The workflows proxy these
// (`proxyActivities<AgentActivities>`) and never import an implementation; each factory in src/activities returns
// exactly one of these interfaces. Workflow-safe.
import type { Invocation, InvocationResult, SummarizeRequest, SummaryResult, ToolCall, ToolResult, ToolSpec } from './agent-runtime.js';
import type { Artifact, ReplyRoute, TranscriptEntry } from './session-records.js';
import type { AnswerDraft } from './turn-answer.js';

/** `clawflow-agent`: a step of a turn on the agent runtime, and ending a runtime session left behind. */
export interface AgentActivities {
  invokeAgent(input: InvokeAgentInput): Promise<InvocationResult>;
  /** Compaction: the model folds older turns into the running summary, through the same runtime. */
  summarizeConversation(input: { runtimeSessionId: string; request: SummarizeRequest }): Promise<SummaryResult>;
  stopRuntimeSession(input: { runtimeSessionId: string }): Promise<void>;
}

export interface InvokeAgentInput {
  /** The runtime session this step runs in (AgentCore: 33-256 characters, one microVM per id). */
  runtimeSessionId: string;
  invocation: Invocation;
  /** Where the turn's message came from: a channel that shows replies as they are written gets the text streamed. */
  route?: ReplyRoute;
  /** A message without a route whose caller reads the reply as it is written (the API): its id. */
  streamTo?: string;
}

/**
 * The sessions worker's own (a local activity): a model call that, when it gives the turn's answer, writes the turn's
 * transcript lines too, and says when (`recordedAt`). A line it could not write is left to `appendTranscript`.
 */
export interface RecordingAgentActivities {
  invokeAgentAndRecord(input: InvokeAgentInput & { record: AnswerDraft }): Promise<InvocationResult & { recordedAt?: string }>;
}

/** `clawflow-agent`: AgentCore Memory (agentcore.memoryId): long-term records recalled for a turn, and each turn recorded. */
export interface MemoryActivities {
  /** The records most relevant to what the user said, best first, within agentcore.memory's limits. */
  recallMemories(input: { sessionKey: string; query: string }): Promise<string[]>;
  /** The turn as one event of the session (idempotent: the same turn is recorded once). */
  recordMemoryEvent(input: {
    sessionKey: string;
    turn: number;
    messageIds: string[];
    said: Array<{ role: 'USER' | 'ASSISTANT'; text: string }>;
  }): Promise<void>;
}

/** `clawflow-agent`: what a scheduled turn needs of Temporal itself (a turn in a session; removing a one-shot schedule). */
export interface ScheduleActivities {
  runSessionTurn(input: RunSessionTurnInput): Promise<RunSessionTurnOutput>;
  deleteSchedule(input: { scheduleId: string }): Promise<void>;
}

export interface RunSessionTurnInput {
  sessionKey: string;
  messageId: string;
  text: string;
  sender: string;
  /** The turn speaks for the agent's owner (the heartbeat, a job made with the CLI). */
  fromAgentOwner?: boolean;
}

export interface RunSessionTurnOutput {
  reply: string;
  error?: string;
  /** The channel the session last heard from, where a heartbeat's answer goes by default. */
  lastRoute?: ReplyRoute;
}

/** `clawflow-tools`: on the user's host, inside the agent's workspace. */
export interface ToolActivities {
  /** The session's agent's tools and system prompt (its session key names the agent; unset: the default agent). */
  describeWorkspace(input?: { sessionKey?: string }): Promise<WorkspaceContext>;
  /** The heartbeat's prompt, from HEARTBEAT.md. */
  heartbeatPrompt(input: { silentToken: string; sessionKey?: string }): Promise<string>;
  runTool(input: RunToolInput): Promise<RunToolOutcome>;
}

/** A local activity of the sessions worker: whether any tools host polls the tools task queue now. */
export interface ToolsHostActivities {
  toolsHostPresent(): Promise<boolean>;
}

/** A local activity of the sessions worker: the tools host's description when that host is this same process. */
export interface LocalWorkspaceActivities {
  /** As `describeWorkspace`; null when this process is no tools host (the session asks the tools task queue). */
  describeWorkspaceHere(input: { sessionKey: string }): Promise<WorkspaceContext | null>;
}

export interface WorkspaceContext {
  tools: ToolSpec[];
  systemPrompt: string;
}

export interface RunToolInput {
  sessionKey: string;
  call: ToolCall;
  /** The user approved this call (it was answered `approvalRequired` before). */
  approved?: boolean;
  /** The chat the turn answers: a reminder the agent sets (cron) answers there. */
  route?: ReplyRoute;
  /** Every message of the turn came from the agent's owner (absent: not known, so not). */
  byAgentOwner?: boolean;
}

export type RunToolOutcome =
  | { kind: 'result'; result: ToolResult; workspaceChanged: boolean; artifacts?: Artifact[] }
  /** `ownerOnly`: only the agent's owner may allow it (it changes the agent's instructions). */
  | { kind: 'approvalRequired'; subject: string; ownerOnly?: boolean };

/** `clawflow-connector`: where the channel connections are. */
export interface ConnectorActivities {
  /** Sends a reply, split at the platform's limit; parts already sent (by an earlier attempt) are skipped. */
  deliver(input: DeliverInput): Promise<{ parts: number; skipped: number }>;
  /** Shows "typing…" in the chat while a turn runs (best effort). */
  typing(input: { route: ReplyRoute }): Promise<void>;
}

export interface DeliverInput {
  route: ReplyRoute;
  text: string;
  /** Images the agent produced this turn, relative to its workspace (screenshots). */
  images?: string[];
  /** The agent whose workspace the images are in; unset: the default agent. */
  agentId?: string;
  /** Workflow id and turn: a retried delivery sends none of the parts already sent. */
  idempotencyKey: string;
}

/** Local activity of the sessions worker: whether the state a run was started with carries the install's seal. */
export interface SealActivities {
  /** True when `seal` is the install's seal over exactly this state for this workflow (made by `sessions repair`). */
  checkCarriedSeal(input: { workflowId: string; carried: unknown; seal: string }): Promise<boolean>;
}

/** Local activities of the sessions worker: the transcript store is on its machine. */
export interface TranscriptActivities {
  /** Writes a finished turn to the session's transcript; a retry after a successful write adds nothing. */
  appendTranscript(input: AppendTranscriptInput): Promise<void>;
  /** The last turn number in a session's transcript, and the entries of its last `turns` turns (0 and none without one). */
  readTranscriptTail(input: { sessionKey: string; turns: number }): Promise<TranscriptTail>;
  /** `/usage`: what the install used today and this month, and where the budgets `agent` is held to stand, in lines. */
  usageReport(input: { agent: string }): Promise<string[]>;
}

export interface TranscriptTail {
  lastTurn: number;
  entries: TranscriptEntry[];
}

export interface AppendTranscriptInput {
  sessionKey: string;
  entries: TranscriptEntry[];
}

/**
 * Where the text of a reply goes while the model writes it: channels that can show a reply growing. Not
 * durable and need not be: the whole reply is delivered by the connector's `deliver` when the turn ends.
 */
export interface DeltaSink {
  accepts(route: ReplyRoute): boolean;
  /** A writer for one attempt at a reply (the session's workflow id and turn name the reply); pieces arrive in order. */
  open(route: ReplyRoute, reply: { workflowId: string; turn: number }): (text: string) => void;
  /** A writer for one attempt at the reply an API caller waits for (`stream: true`), by message id; null without the API. */
  openForCaller(messageId: string): ((text: string) => void) | null;
}
