import { log, uuid4, workflowInfo } from '@temporalio/workflow';
import type { TranscriptTail } from '../../contracts/activities.js';
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
} from '../messages.js';
import { boundForCarrying, pushBounded } from './carried-state.js';
import { now } from './clock.js';
import { ConversationChoices } from './choices.js';
import { ConversationContext } from './context-window.js';
import type { SessionFeatures } from './features.js';
import { DescribedWorkspace } from './described-workspace.js';
import { MessageQueue } from './message-queue.js';
import { TurnScope } from './turn-scope.js';
import { Publication } from './publication.js';
import { UsageMeter } from './usage.js';
import { freshRuntimeSession, HeldRuntimeSession } from './runtime-session.js';

const recentRepliesKept = 50;
const rejectedKept = 20;

/**
 * One conversation's state and its rules: what arrived and in what order, what was answered, which runtime session
 * holds it, and everything a run hands to the next when it continues as new. Its state is private: the workflow's
 * handlers, turns, commands and compaction change it only through the methods below, each named for what happened.
 */
export class Session {
  readonly key: ReturnType<typeof parseSessionKey>;
  readonly runs: number;
  readonly createdAt: string;
  /** The runtime session that holds the conversation (its own methods change it). */
  readonly runtime: HeldRuntimeSession;
  /** The window, the summary, when the context started (compaction, a reset and each turn change it). */
  readonly context: ConversationContext;
  /** What the owner chose for this conversation (/model, /queue), and its sub-agents spent today. */
  readonly choices: ConversationChoices;
  /** The model that answered last, and the tokens used today. */
  readonly usage: UsageMeter;
  /** The tools and system prompt of the tools host. */
  readonly workspace = new DescribedWorkspace();
  /** The running turn's work, which the user's stop (or a newer message, queue mode interrupt) cancels. */
  readonly turnScope = new TurnScope();
  /** What waits for its turn, and the ids already taken. */
  readonly #queue: MessageQueue;
  #turns: number;
  #turnsThisRun = 0;
  #status: SessionStatusName = 'idle';
  /** The messages whose turn is running. */
  #inFlight: QueuedMessage[] = [];
  #lastActivity: string | null;
  readonly #recentReplies: TurnReply[];
  readonly #rejected: string[];
  readonly #alwaysApproved: Set<string>;
  #lastRoute: ReplyRoute | undefined;
  /** What an interrupted turn had done, for the turn that answers its messages (the model is told). */
  #interruptedNote: string | null = null;
  /** Work a turn left running after its answer (recording it in AgentCore Memory): a run must not end before it. */
  readonly #background: Array<Promise<void>> = [];
  /** Writes what the session shows (search attributes, the details line). */
  readonly #publication: Publication;

  /**
   * @param subagent this session is a sub-agent (a sessions_spawn task): it is not offered sessions_spawn itself.
   * @param oneOff it ends once its message is answered (nothing can come back to it later).
   */
  constructor(
    readonly sessionKey: string,
    readonly settings: SessionSettings,
    carried: CarriedState | undefined,
    readonly features: SessionFeatures,
    readonly subagent = false,
    readonly oneOff = false,
  ) {
    this.key = parseSessionKey(sessionKey);
    this.#turns = carried?.turns ?? 0;
    this.#lastActivity = carried?.lastActivity ?? null;
    this.runs = (carried?.runs ?? 0) + 1;
    this.createdAt = carried?.createdAt ?? now();
    this.runtime = new HeldRuntimeSession(carried?.runtimeSession ?? freshRuntimeSession(`clawflow-${uuid4()}`, 0));
    this.context = new ConversationContext(carried, this.createdAt, settings.historyTurns);
    this.#queue = new MessageQueue(carried, settings, features.boundedQueue, features.sentOrder);
    this.#recentReplies = carried?.recentReplies ?? [];
    this.#rejected = carried?.rejected ?? [];
    this.#alwaysApproved = new Set(carried?.alwaysApproved ?? []);
    this.#lastRoute = carried?.lastRoute;
    this.usage = new UsageMeter(carried);
    this.choices = new ConversationChoices(carried);
    this.#publication = new Publication(features.onePublicationPerTask, features.publicationInterval ? (settings.listRefreshSeconds ?? 15) * 1000 : 0);
  }

  get turns(): number {
    return this.#turns;
  }
  get status(): SessionStatusName {
    return this.#status;
  }
  get inFlight(): readonly QueuedMessage[] {
    return this.#inFlight;
  }
  get queue(): readonly QueuedMessage[] {
    return this.#queue.items;
  }
  get lastActivity(): string | null {
    return this.#lastActivity;
  }

  /** What messages that arrive during a turn do: the session's own choice, else the configured mode (followup before queue modes). */
  get queueMode(): QueueMode {
    if (!this.features.queueModes) return 'followup';
    return this.choices.queueMode ?? this.settings.queueMode;
  }

  /** A session started afresh goes on from its transcript: the next turn number, and the recent context. */
  resume(tail: TranscriptTail): void {
    if (tail.lastTurn <= this.#turns) return;
    log.info('Going on from the transcript', { sessionKey: this.sessionKey, lastTurn: tail.lastTurn });
    this.#turns = tail.lastTurn;
    this.context.resumeFrom(tail.entries, this.features.compaction);
    this.publish();
  }

  /** A new conversation shows whose it is (agent, channel, chat). */
  introduce(): void {
    this.#publication.introduce(this);
  }

  /** Keeps the search attributes and the Web UI's details current. */
  publish(): void {
    this.#publication.changed(this);
  }

  /** Shows what is left to show now, not after session.listRefreshSeconds (the run ends). */
  publishNow(): void {
    this.#publication.flush(this);
  }

  /** Records an input the session refused, with the reason (shown by `status`). */
  reject(reason: string): void {
    log.warn('Rejected input', { sessionKey: this.sessionKey, reason });
    pushBounded(this.#rejected, `${now()} ${reason}`, rejectedKept);
  }

  // ——— Messages in ———

  hasSeen(messageId: string): boolean {
    return this.#queue.hasSeen(messageId);
  }

  /** A chat command answered at once: a redelivery of it is a duplicate. */
  markSeen(messageId: string): void {
    this.#queue.markSeen(messageId);
  }

  /**
   * Queues a new message: `queued`, `duplicate` (a redelivery of one already seen), or `full` with the reason (the queue
   * is at its cap and nothing may give way). Waiting messages that give way are recorded, and summarized for the next
   * turn. In queue mode `interrupt` a newcomer cancels the running turn.
   */
  accept(message: InboundMessage, awaited: boolean): { outcome: 'queued' | 'duplicate' } | { outcome: 'full'; reason: string } {
    const admitted = this.#queue.admit(message, awaited, this.#inFlight.length > 0);
    if (admitted.outcome === 'full') this.reject(`message ${message.messageId} refused: ${admitted.reason}`);
    if (admitted.outcome !== 'queued') return admitted;
    for (const gone of admitted.gaveWay) {
      this.reject(`message ${gone.messageId} gave way to newer ones (queue full, messages.queue.drop "${this.settings.queueDrop}")`);
    }
    if (this.queueMode === 'interrupt' && this.turnScope.interrupt()) {
      log.info('A newer message interrupts the running turn (queue mode interrupt)', {
        sessionKey: this.sessionKey,
        messageIds: this.#inFlight.map((m) => m.messageId),
      });
    }
    return { outcome: 'queued' };
  }

  /** A command that waits its turn in the queue (/new, /reset, /compact). */
  enqueue(message: InboundMessage, awaited: boolean): void {
    this.#queue.enqueue(message, awaited, this.#inFlight.length > 0);
  }

  /** The messages the next turn answers (see MessageQueue.takeBatch). */
  takeBatch(separate: (message: QueuedMessage) => boolean): Promise<QueuedMessage[]> {
    return this.#queue.takeBatch(this.queueMode, separate);
  }

  /** Whether a message is queued or being answered. */
  isPending(messageId: string): boolean {
    return this.#inFlight.some((m) => m.messageId === messageId) || this.#queue.has(messageId);
  }

  replyFor(messageId: string): TurnReply | undefined {
    return this.#recentReplies.find((r) => r.messageId === messageId);
  }

  /** Whether a caller (a `send` update) waits for a queued message: it must be answered in this run. */
  someoneWaits(): boolean {
    return this.#queue.someoneWaits();
  }

  // ——— A turn ———

  /** A turn starts answering `messages`. */
  beginTurn(messages: readonly QueuedMessage[]): void {
    this.#inFlight = [...messages];
    this.#status = 'running';
    this.publish();
  }

  /** Where the conversation last spoke from: the heartbeat and `send --to last` answer there. */
  routeRepliesTo(route: ReplyRoute): void {
    this.#lastRoute = route;
  }

  /** Queue mode `steer`: messages from the same chat as `like` join the running turn at its tool boundary. */
  steerIn(like: QueuedMessage, separate: (message: QueuedMessage) => boolean): QueuedMessage[] {
    if (this.queueMode !== 'steer') return [];
    const steered = this.#queue.takeFollowing(like, separate);
    this.#inFlight.push(...steered);
    return steered;
  }

  /** An interrupted turn gives its messages back to the head of the queue; the turn that answers them is told what it ran. */
  turnInterrupted(messages: readonly QueuedMessage[], toolsRun: readonly string[]): void {
    this.#interruptedNote = toolsRun.length
      ? `[Your previous answer to these messages was cut short by a newer message; tools it had already run: ${toolsRun.join(', ')}.]`
      : null;
    this.#queue.giveBack(messages);
    this.#inFlight = [];
    this.turnScope.interrupted();
    this.#status = 'idle';
    this.publish();
  }

  /** How messages that gave way to a full queue began, since the last turn (consumed by it). */
  takeDropped(): string[] {
    return this.#queue.takeDropped();
  }

  /** What an interrupted turn had run, for the turn that answers its messages (consumed by it). */
  takeInterruptedNote(): string | null {
    const note = this.#interruptedNote;
    this.#interruptedNote = null;
    return note;
  }

  /** A tool call waits for the user's answer (true), or got it (false). */
  awaitingApproval(waiting: boolean): void {
    this.#status = waiting ? 'awaiting-approval' : 'running';
    this.publish();
  }

  alwaysAllows(subject: string): boolean {
    return this.#alwaysApproved.has(subject);
  }

  /** The user answered /always: the same request runs without asking from now on. */
  allowAlways(subject: string): void {
    this.#alwaysApproved.add(subject);
  }

  /** The conversation moves to a fresh runtime session; the id of the one it left. */
  rotateRuntime(): string {
    return this.runtime.replace(`clawflow-${uuid4()}`).id;
  }

  /** A finished turn: into the window (the model's context), the recent replies (for callers waiting), the counters. */
  record(messages: readonly QueuedMessage[], turn: number, userEntries: TranscriptEntry[], answer: TranscriptEntry): void {
    this.context.add([...userEntries, answer]);
    this.#turns = turn;
    this.#turnsThisRun += 1;
    this.#lastActivity = answer.at;
    const usage = answer.usage;
    for (const { messageId } of messages) {
      pushBounded(
        this.#recentReplies,
        answer.role === 'error' ? { messageId, turn, text: '', error: answer.text } : { messageId, turn, text: answer.text, ...(usage ? { usage } : {}) },
        recentRepliesKept,
      );
    }
    this.usage.add(answer);
    this.#inFlight = [];
    this.#status = 'idle';
    this.publish();
  }

  /** A chat command's answer, for the caller waiting on it (`send`). */
  recordCommandReply(messageId: string, text: string): void {
    pushBounded(this.#recentReplies, { messageId, turn: this.#turns, text }, recentRepliesKept);
  }

  /** Keeps this until the run ends: `settle` waits for it. */
  track(work: Promise<void>): void {
    this.#background.push(work);
  }

  /** What turns left running, finished (each catches its own failure). */
  async settle(): Promise<void> {
    await Promise.all(this.#background.splice(0));
  }

  // ——— The context ———

  /** A transcript line that is not a turn (a summary) takes the next turn number. */
  takeTurnNumber(): number {
    return (this.#turns += 1);
  }

  /** Compaction folded the turns before `firstKept` into `summary`; the runtime session is sent the new context in full. */
  compacted(summary: string, throughTurn: number, firstKept: number, at: string): void {
    this.context.folded(summary, throughTurn, firstKept);
    this.runtime.used(at, null);
    this.publish();
  }

  /**
   * The context starts empty (no window, no summary) in a fresh runtime session, and takes a turn number (the
   * transcript's marker). Returns the runtime session left, and when.
   */
  startAfresh(): { left: RuntimeSessionState; at: string } {
    const at = now();
    this.context.clear(this.features.compaction, this.features.resetPolicy ? at : undefined);
    const left = this.runtime.replace(`clawflow-${uuid4()}`);
    this.#turns += 1;
    this.#lastActivity = at;
    // The next turn builds the system prompt anew: what the user changed by hand (SOUL.md, a new skill) is in it.
    if (this.features.freshWorkspace) this.workspace.touched();
    return { left, at };
  }

  // ——— Runs ———

  /** Whether this run has done its share and should hand over to a new one. */
  rollOverDue(): boolean {
    return this.#turnsThisRun >= this.settings.continueAsNewAfterTurns || workflowInfo().continueAsNewSuggested;
  }

  /** Whether the turn about to be recorded is this run's last (the run hands over once it is answered). */
  lastTurnOfRun(): boolean {
    return this.#turnsThisRun + 1 >= this.settings.continueAsNewAfterTurns || workflowInfo().continueAsNewSuggested;
  }

  /** Everything the next run needs. */
  carried(): CarriedState {
    const queue = this.#queue.carried();
    return boundForCarrying({
      turns: this.#turns,
      runs: this.runs,
      createdAt: this.createdAt,
      lastActivity: this.#lastActivity,
      window: [...this.context.window],
      seenMessageIds: queue.seenMessageIds,
      queue: queue.queue,
      recentReplies: this.#recentReplies,
      runtimeSession: this.runtime.state,
      rejected: this.#rejected,
      alwaysApproved: [...this.#alwaysApproved],
      ...(this.#lastRoute ? { lastRoute: this.#lastRoute } : {}),
      dropped: queue.dropped,
      ...(this.usage.lastModel ? { lastModel: this.usage.lastModel } : {}),
      ...(this.usage.today ? { usageToday: { ...this.usage.today } } : {}),
      ...(this.usage.cooldowns ? { modelCooldowns: { ...this.usage.cooldowns } } : {}),
      ...(this.choices.queueMode ? { queueMode: this.choices.queueMode } : {}),
      ...(this.choices.verbose ? { verbose: true as const } : {}),
      ...(this.choices.thinking ? { thinking: this.choices.thinking } : {}),
      ...(this.context.summary ? { summary: { ...this.context.summary } } : {}),
      ...(this.choices.model ? { model: this.choices.model } : {}),
      ...(this.choices.spawnsToday ? { spawnsToday: { ...this.choices.spawnsToday } } : {}),
      contextStartedAt: this.context.startedAt,
    });
  }

  /** What the `status` query answers. */
  describe(pendingApprovals: ApprovalRequest[]): SessionStatus {
    return {
      sessionKey: this.sessionKey,
      status: this.#status,
      turns: this.#turns,
      queued: this.queue.length,
      queueMode: this.queueMode,
      runs: this.runs,
      createdAt: this.createdAt,
      lastActivity: this.#lastActivity,
      runtimeSession: this.runtime.state,
      rejected: this.#rejected,
      pendingApprovals,
      unanswered: [...this.#inFlight, ...this.queue].map((m) => ({ messageId: m.messageId, text: m.text })),
      ...(this.#lastRoute ? { lastRoute: this.#lastRoute } : {}),
    };
  }
}
