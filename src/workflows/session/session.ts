import { log, setCurrentDetails, sleep, upsertSearchAttributes, uuid4, workflowInfo, type CancellationScope } from '@temporalio/workflow';
import type { TranscriptTail, WorkspaceContext } from '../../contracts/activities.js';
import { BoundedSet } from '../../contracts/bounded-set.js';
import { parseSessionKey } from '../../contracts/session-key.js';
import type { QueueMode } from '../../contracts/queue-modes.js';
import type { ReplyRoute, TranscriptEntry } from '../../contracts/session-records.js';
import type {
  ApprovalRequest,
  CarriedState,
  InboundMessage,
  QueuedMessage,
  RuntimeSessionState,
  SessionSettings,
  SessionStatus,
  SessionStatusName,
  TurnReply,
  UsageToday,
} from '../messages.js';
import { sessionSearchAttributes as sa } from '../search-attributes.js';
import {
  admitToQueue,
  boundForCarrying,
  contextFromTranscript,
  droppedNote,
  freshRuntimeSession,
  pushBounded,
  trimWindow,
  type ConversationSummary,
} from '../session-state.js';
import type { SessionFeatures } from './features.js';

export const recentRepliesKept = 50;
const rejectedKept = 20;
/** Notes of messages that gave way, kept for the next turn (each at most ~200 characters). */
const droppedNotesKept = 50;

/**
 * One conversation's state and its rules: what arrived and in what order, what was answered, which runtime session
 * holds it, and everything a run hands to the next when it continues as new. The workflow's handlers and turns
 * change it only through these methods.
 */
export class Session {
  readonly key: ReturnType<typeof parseSessionKey>;
  turns: number;
  turnsThisRun = 0;
  status: SessionStatusName = 'idle';
  /** The messages whose turn is running. */
  inFlight: QueuedMessage[] = [];
  lastActivity: string | null;
  readonly runs: number;
  readonly createdAt: string;
  runtime: RuntimeSessionState;
  window: TranscriptEntry[];
  readonly queue: QueuedMessage[];
  readonly recentReplies: TurnReply[];
  readonly rejected: string[];
  readonly seen: BoundedSet<string>;
  readonly alwaysApproved: Set<string>;
  lastRoute: ReplyRoute | undefined;
  /** The tools and system prompt the tools host offers; fetched once a run, and again after the agent changed its files. */
  workspace: WorkspaceContext | null = null;
  workspaceChanged = false;
  /** This session is a sub-agent (a sessions_spawn task): it is not offered sessions_spawn itself. */
  subagent = false;
  /** The running turn's work (model calls, tool calls), cancelled by the user's stop. */
  turnScope: CancellationScope | null = null;
  /** How messages that gave way to a full queue began, for the next turn (summarize). */
  dropped: string[];
  /** The model that answered last, and the tokens used today (UTC), for /status. */
  lastModel: string | undefined;
  usageToday: UsageToday | undefined;
  /** The model's summary of the turns compaction took out of the window. */
  summary: ConversationSummary | undefined;
  /** This run has warned that the system prompt and tools leave compaction no room (once a run is enough). */
  budgetWarned = false;
  /** When the current context started: the session's start, or its last reset. */
  contextStartedAt: string;
  /** The model chosen with /model; unset: the runtime's default. */
  modelChoice: string | undefined;
  /** The queue mode chosen with /queue; unset: the settings' queueMode. */
  queueModeChoice: QueueMode | undefined;
  /** Sub-agents spawned on the current (UTC) day, for the daily cap. */
  spawnsToday: { day: string; count: number } | undefined;
  /** When the last message arrived (workflow time), and whether messages came while a turn ran (a burst to gather). */
  private lastArrivalMs = 0;
  private burst = false;
  /** Set when a newcomer cancels the running turn (queue mode `interrupt`): the turn gives its messages back. */
  interrupting = false;

  constructor(
    readonly sessionKey: string,
    readonly settings: SessionSettings,
    carried: CarriedState | undefined,
    readonly features: SessionFeatures,
  ) {
    this.key = parseSessionKey(sessionKey);
    this.turns = carried?.turns ?? 0;
    this.lastActivity = carried?.lastActivity ?? null;
    this.runs = (carried?.runs ?? 0) + 1;
    this.createdAt = carried?.createdAt ?? now();
    this.runtime = carried?.runtimeSession ?? freshRuntimeSession(`clawflow-${uuid4()}`, 0);
    this.window = carried?.window ?? [];
    this.queue = carried?.queue ?? [];
    this.recentReplies = carried?.recentReplies ?? [];
    this.rejected = carried?.rejected ?? [];
    this.seen = new BoundedSet(carried?.seenMessageIds ?? [], settings.dedupeWindow);
    this.alwaysApproved = new Set(carried?.alwaysApproved ?? []);
    this.lastRoute = carried?.lastRoute;
    this.dropped = carried?.dropped ?? [];
    this.lastModel = carried?.lastModel;
    this.usageToday = carried?.usageToday;
    this.queueModeChoice = carried?.queueMode;
    this.spawnsToday = carried?.spawnsToday;
    this.summary = carried?.summary ?? undefined;
    this.modelChoice = carried?.model;
    this.contextStartedAt = carried?.contextStartedAt ?? this.createdAt;
  }

  /** What messages that arrive during a turn do: the session's own choice, else the configured mode (followup before queue modes). */
  get queueMode(): QueueMode {
    if (!this.features.queueModes) return 'followup';
    return this.queueModeChoice ?? this.settings.queueMode;
  }

  /** A session started afresh goes on from its transcript: the next turn number, and the recent context. */
  resume(tail: TranscriptTail): void {
    if (tail.lastTurn <= this.turns) return;
    log.info('Going on from the transcript', { sessionKey: this.sessionKey, lastTurn: tail.lastTurn });
    this.turns = tail.lastTurn;
    if (this.features.compaction) {
      const context = contextFromTranscript(tail.entries, this.settings.historyTurns);
      this.window = context.window;
      this.summary = context.summary;
    } else {
      // Nothing from before a /new: the conversation started afresh there.
      const since = tail.entries.map((e) => e.reset === true).lastIndexOf(true);
      this.window = trimWindow(tail.entries.slice(since + 1), this.settings.historyTurns);
    }
    this.publish();
  }

  /** Keeps the search attributes and the Web UI's details current. */
  publish(): void {
    upsertSearchAttributes([
      { key: sa.status, value: this.status },
      { key: sa.turns, value: this.turns },
      { key: sa.runtimeSession, value: this.runtime.id },
      { key: sa.rotations, value: this.runtime.rotations },
      ...(this.lastActivity ? [{ key: sa.lastActivity, value: new Date(this.lastActivity) }] : []),
    ]);
    setCurrentDetails(`**${this.sessionKey}** — ${this.status}, ${this.turns} turn(s), ${this.queue.length} queued, run ${this.runs}`);
  }

  /** The attributes only a new session sets: they never change. */
  publishIdentity(): void {
    upsertSearchAttributes([
      { key: sa.agent, value: this.key.agent },
      { key: sa.channel, value: this.key.channel },
      { key: sa.peer, value: this.key.chat },
    ]);
  }

  /** Records an input the session refused, with the reason (shown by `status`). */
  reject(reason: string): void {
    log.warn('Rejected input', { sessionKey: this.sessionKey, reason });
    pushBounded(this.rejected, `${now()} ${reason}`, rejectedKept);
  }

  /**
   * Queues a new message: `queued`, `duplicate` (a redelivery of one already seen), or `full` with the reason (the queue
   * is at its cap and nothing may give way). Waiting messages that give way are recorded, and summarized for the next turn.
   */
  accept(message: InboundMessage, awaited: boolean): { outcome: 'queued' | 'duplicate' } | { outcome: 'full'; reason: string } {
    const queued = this.queue.find((m) => m.messageId === message.messageId);
    if (queued) {
      queued.awaited ||= awaited;
      return { outcome: 'duplicate' };
    }
    if (this.seen.has(message.messageId)) return { outcome: 'duplicate' };
    if (this.features.boundedQueue) {
      const { queueCap: cap, queueMaxChars: maxChars, queueDrop: drop } = this.settings;
      const admission = admitToQueue(this.queue, message, { cap, maxChars, drop });
      if (!admission.admitted) {
        this.reject(`message ${message.messageId} refused: ${admission.reason}`);
        return { outcome: 'full', reason: admission.reason };
      }
      for (const gone of admission.dropped) {
        this.queue.splice(this.queue.indexOf(gone), 1);
        this.reject(`message ${gone.messageId} gave way to newer ones (queue full, messages.queue.drop "${drop}")`);
        if (drop === 'summarize') pushBounded(this.dropped, droppedNote(gone), droppedNotesKept);
      }
    }
    this.seen.add(message.messageId);
    this.enqueue(message, awaited);
    if (this.queueMode === 'interrupt' && this.turnScope && !this.interrupting) {
      log.info('A newer message interrupts the running turn (queue mode interrupt)', {
        sessionKey: this.sessionKey,
        messageIds: this.inFlight.map((m) => m.messageId),
      });
      this.interrupting = true;
      this.turnScope.cancel();
    }
    return { outcome: 'queued' };
  }

  /** Puts a message in the queue and notes when it came (a burst gathers until it has been quiet). */
  enqueue(message: InboundMessage, awaited: boolean): void {
    this.queue.push({ ...message, receivedAt: now(), awaited });
    this.lastArrivalMs = Date.now();
    if (this.inFlight.length > 0) this.burst = true;
  }

  /**
   * The messages the next turn answers: the first waiting one, and in every mode but `followup` those after it from
   * the same chat, up to one that must be handled on its own (`separate`: a /new). A burst that came during the last
   * turn is first given `queueDebounceMs` of quiet, so that its last messages make the same turn.
   */
  async takeBatch(separate: (message: QueuedMessage) => boolean): Promise<QueuedMessage[]> {
    if (this.burst && this.queueMode !== 'followup') {
      for (let quiet = Date.now() - this.lastArrivalMs; quiet < this.settings.queueDebounceMs; quiet = Date.now() - this.lastArrivalMs) {
        await sleep(this.settings.queueDebounceMs - quiet);
      }
    }
    this.burst = false;
    const first = this.queue.shift();
    if (!first) return [];
    if (this.queueMode === 'followup' || separate(first)) return [first];
    return [first, ...this.takeFollowing(first, separate)];
  }

  /** Waiting messages from the same chat as `like`, from the head of the queue up to one that must be handled on its own. */
  takeFollowing(like: QueuedMessage, separate: (message: QueuedMessage) => boolean): QueuedMessage[] {
    const taken: QueuedMessage[] = [];
    while (this.queue.length > 0 && !separate(this.queue[0]!) && sameChat(this.queue[0]!, like)) taken.push(this.queue.shift()!);
    return taken;
  }

  /** What an interrupted turn had done, for the turn that answers its messages (the model is told). */
  private interruptedNote: string | null = null;

  noteInterrupted(toolsRun: string[]): void {
    this.interruptedNote = toolsRun.length
      ? `[Your previous answer to these messages was cut short by a newer message; tools it had already run: ${toolsRun.join(', ')}.]`
      : null;
  }

  takeInterruptedNote(): string[] {
    const note = this.interruptedNote;
    this.interruptedNote = null;
    return note ? [note] : [];
  }

  /** An interrupted turn's messages go back to the head of the queue, to be answered with the newer ones. */
  giveBack(messages: QueuedMessage[]): void {
    this.queue.unshift(...messages);
    this.inFlight = [];
    this.interrupting = false;
  }

  /** The summary of what gave way since the last turn (consumed by it). */
  takeDropped(): string[] {
    return this.dropped.splice(0);
  }

  /** Whether a message is queued or being answered. */
  isPending(messageId: string): boolean {
    return this.inFlight.some((m) => m.messageId === messageId) || this.queue.some((m) => m.messageId === messageId);
  }

  replyFor(messageId: string): TurnReply | undefined {
    return this.recentReplies.find((r) => r.messageId === messageId);
  }

  /** A finished turn: into the window (the model's context), the recent replies (for callers waiting), the counters. */
  record(messages: QueuedMessage[], turn: number, userEntries: TranscriptEntry[], answer: TranscriptEntry): void {
    // With compaction, turns leave the window into the summary before it is full; this cut only bounds the context
    // when no summary could be made (the model down).
    this.window = trimWindow([...this.window, ...userEntries, answer], this.settings.historyTurns);
    this.turns = turn;
    this.turnsThisRun += 1;
    this.lastActivity = answer.at;
    const usage = answer.usage;
    for (const { messageId } of messages) {
      pushBounded(
        this.recentReplies,
        answer.role === 'error' ? { messageId, turn, text: '', error: answer.text } : { messageId, turn, text: answer.text, ...(usage ? { usage } : {}) },
        recentRepliesKept,
      );
    }
    if (answer.model) this.lastModel = answer.model;
    if (usage) {
      const day = answer.at.slice(0, 10);
      const today = this.usageToday?.day === day ? this.usageToday : { day, inputTokens: 0, outputTokens: 0, turns: 0 };
      this.usageToday = {
        day,
        inputTokens: today.inputTokens + usage.inputTokens,
        outputTokens: today.outputTokens + usage.outputTokens,
        turns: today.turns + 1,
      };
    }
    this.inFlight = [];
    this.status = 'idle';
    this.publish();
  }

  /** Work a turn left running after its answer (recording it in AgentCore Memory): a run must not end before it. */
  private readonly background: Array<Promise<void>> = [];

  /** Keeps this until the run ends: `settle` waits for it. */
  track(work: Promise<void>): void {
    this.background.push(work);
  }

  /** What turns left running, finished (each catches its own failure). */
  async settle(): Promise<void> {
    await Promise.all(this.background.splice(0));
  }

  /** Whether this run has done its share and should hand over to a new one. */
  rollOverDue(): boolean {
    return this.turnsThisRun >= this.settings.continueAsNewAfterTurns || workflowInfo().continueAsNewSuggested;
  }

  /** Whether the turn about to be recorded is this run's last (the run hands over once it is answered). */
  lastTurnOfRun(): boolean {
    return this.turnsThisRun + 1 >= this.settings.continueAsNewAfterTurns || workflowInfo().continueAsNewSuggested;
  }

  /** Whether a caller (a `send` update) waits for a queued message: it must be answered in this run. */
  someoneWaits(): boolean {
    return this.queue.some((m) => m.awaited);
  }

  /** Everything the next run needs. */
  carried(): CarriedState {
    return boundForCarrying({
      turns: this.turns,
      runs: this.runs,
      createdAt: this.createdAt,
      lastActivity: this.lastActivity,
      window: this.window,
      seenMessageIds: this.seen.toArray(),
      queue: this.queue,
      recentReplies: this.recentReplies,
      runtimeSession: this.runtime,
      rejected: this.rejected,
      alwaysApproved: [...this.alwaysApproved],
      ...(this.lastRoute ? { lastRoute: this.lastRoute } : {}),
      dropped: this.dropped,
      ...(this.lastModel ? { lastModel: this.lastModel } : {}),
      ...(this.usageToday ? { usageToday: this.usageToday } : {}),
      ...(this.queueModeChoice ? { queueMode: this.queueModeChoice } : {}),
      ...(this.summary ? { summary: this.summary } : {}),
      ...(this.modelChoice ? { model: this.modelChoice } : {}),
      ...(this.spawnsToday ? { spawnsToday: this.spawnsToday } : {}),
      contextStartedAt: this.contextStartedAt,
    });
  }

  /** What the `status` query answers. */
  describe(pendingApprovals: ApprovalRequest[]): SessionStatus {
    return {
      sessionKey: this.sessionKey,
      status: this.status,
      turns: this.turns,
      queued: this.queue.length,
      queueMode: this.queueMode,
      runs: this.runs,
      createdAt: this.createdAt,
      lastActivity: this.lastActivity,
      runtimeSession: this.runtime,
      rejected: this.rejected,
      pendingApprovals,
      unanswered: [...this.inFlight, ...this.queue].map((m) => ({ messageId: m.messageId, text: m.text })),
      ...(this.lastRoute ? { lastRoute: this.lastRoute } : {}),
    };
  }
}

/** Whether two messages came from the same chat (and thread): only those are answered together. */
function sameChat(a: QueuedMessage, b: QueuedMessage): boolean {
  const [x, y] = [a.route, b.route];
  if (!x || !y) return !x && !y;
  return x.channel === y.channel && x.account === y.account && x.chat === y.chat && x.thread === y.thread;
}

/** The workflow's clock (replayed from history). */
export function now(): string {
  return new Date().toISOString();
}
