import { isCancellation, log, sleep, workflowInfo, type TemporalFailure } from '@temporalio/workflow';
import { runtimeSessionLostType } from '../../contracts/runtime-failures.js';
import { type InvocationResult, type NewMessage, type ToolCall, type ToolSpec, type ToolStep } from '../../contracts/agent-runtime.js';
import type { RotationReason, TranscriptEntry } from '../../contracts/session-records.js';
import type { WorkspaceContext } from '../../contracts/activities.js';
import { pruneSteps } from '../../contracts/tool-pruning.js';
import type { QueuedMessage } from '../messages.js';
import { rotationDue } from './runtime-session.js';
import { windowToHistory } from './context-window.js';
import type { SessionActivities } from './activities.js';
import type { Approvals } from './approvals.js';
import { failedCall, failedWithType, failureReason } from './call-failures.js';
import { Compaction } from './compaction.js';
import { recallMemories, rememberTurn } from './turn-memory.js';
import { messageToolSpec } from './message-tool.js';
import { recordRotation, recordTurn } from './metrics.js';
import { spawnToolSpec } from './subagents.js';
import { ToolCalls } from './tool-calls.js';
import { now } from './clock.js';
import type { Session } from './session.js';
import { oneLine } from '../../contracts/untrusted.js';
import { answerEntry, emptyTally, tallied, type AnswerDraft, type AnswerParts } from '../../contracts/turn-answer.js';

/** A turn that cannot end with an answer; the user sees the message. */
class TurnAbandoned extends Error {}

/** A newer message cancelled the turn (queue mode `interrupt`): its messages are answered with the newer ones. */
class TurnInterrupted extends Error {}

/** A queued message as the model is given it. */
function modelMessage(message: QueuedMessage): NewMessage {
  return {
    messageId: message.messageId,
    content: message.text,
    ...(message.sender ? { sender: message.sender } : {}),
    ...(message.images?.length ? { images: message.images } : {}),
  };
}

/** Turns a failure of the agent into the sentence the user sees in place of a reply. */
function failureMessage(failure: TemporalFailure): string {
  return `The agent could not answer: ${failureReason(failure).message}`;
}

/**
 * One turn: the message in, the model asked (and asked again after each round of tool calls, up to maxToolSteps),
 * the answer recorded, written to the transcript and delivered where the message came from. Every step is an
 * activity, so a crash resumes at the step it interrupted.
 */
export class Turn {
  /** This turn's number: set when it starts (a compaction before it takes one). */
  private turn = 0;
  private readonly rotations: Array<{ from: string; reason: RotationReason }> = [];
  /** The model that answered, those that failed before it (model.fallbacks), the tokens: over the turn's model calls. */
  private tally = emptyTally();
  /** The model call in this worker writes the transcript lines with the answer; they were, when it gave it (set then). */
  private readonly recordsInCall: boolean;
  private recorded = false;
  /** What the model is told besides the messages: those that gave way to a full queue, and what an interrupted turn did. */
  private readonly notes: string[];
  /** The newest message: the answer goes where it came from. */
  private message: QueuedMessage;
  /** How many of the messages the turn started with (the rest were steered in at tool boundaries). */
  private readonly opening: number;
  private readonly activities: SessionActivities;
  /** This turn's tool calls, and what each was. */
  private readonly toolCalls: ToolCalls;

  /**
   * @param messages what this turn answers, oldest first: one message, or a burst gathered by the queue mode; messages
   *   steered in at a tool boundary join them.
   */
  constructor(
    private readonly session: Session,
    activities: SessionActivities,
    approvals: Approvals,
    private readonly messages: QueuedMessage[],
    private readonly separate: (message: QueuedMessage) => boolean = () => false,
  ) {
    this.message = messages.at(-1)!;
    this.opening = messages.length;
    this.toolCalls = new ToolCalls(session, activities, approvals, {
      turn: () => this.turn,
      route: () => this.message.route,
      byAgentOwner: () => this.messages.every((message) => message.fromAgentOwner === true),
      sender: () => this.message.sender,
    });
    // The run's last turn calls the runtime through the agent task queue even where the worker calls it itself: a
    // workflow task that ends a run fails when a message arrives meanwhile, and a call made inside that task would be
    // made again, and the message it answered taken in again (its caller told it failed). Through the queue, the
    // call's result and the message's acceptance are in history before the run ends.
    const lastTurn = session.features.agentInWorker && session.lastTurnOfRun();
    this.activities = lastTurn ? { ...activities, agent: activities.agentQueue } : activities;
    this.recordsInCall = session.features.transcriptInModelCall && !lastTurn;
    const gaveWay = session.takeDropped();
    const interrupted = session.takeInterruptedNote();
    this.notes = [
      ...(gaveWay.length
        ? [
            `[While you were busy, ${gaveWay.length} earlier message(s) gave way to newer ones (the queue was full). They began:\n${gaveWay.map((line) => `- ${line}`).join('\n')}]`,
          ]
        : []),
      ...(interrupted ? [interrupted] : []),
    ];
  }

  async run(): Promise<void> {
    const { session, activities } = this;
    const started = Date.now();
    session.beginTurn(this.messages);
    const due = rotationDue(session.runtime.state, session.settings, Date.now());
    if (due) this.rotate(due);
    await this.refreshWorkspace();
    const compaction = new Compaction(session, activities);
    if (compaction.due(this.messages)) await compaction.run('auto');
    this.turn = session.turns + 1;
    const route = this.message.route;
    if (route) {
      session.routeRepliesTo(route);
      void activities.typingIndicator.typing({ route }).catch(() => undefined);
      // A model call in the session worker holds the workflow task open, and the typing indicator would leave with the
      // answer: a task boundary sends it now. (Callers without a chat, such as the API, need none.)
      if (session.features.agentInWorker) await sleep(1);
    }
    if (session.features.agentcoreMemory) this.notes.push(...(await recallMemories(session, activities, this.messages)));

    let said: TranscriptEntry;
    try {
      said = await this.converse();
    } catch (error) {
      if (!(error instanceof TurnInterrupted)) throw error;
      // Nothing of this turn is recorded or sent: its messages are answered together with the newer ones.
      session.turnInterrupted(
        this.messages,
        this.toolCalls.used.map((t) => t.name),
      );
      await this.stopLeftRuntimeSessions();
      return;
    }
    const userEntries = this.userEntries();
    // After the conversation: a lost runtime session may have been replaced during it.
    const answer = answerEntry(said, this.answerParts());
    await this.record(userEntries, answer);
    recordTurn(session, answer.role === 'error' ? 'error' : 'answered', Date.now() - started);
    await this.deliver(answer);
    // Recorded after the answer went out, without holding up the next turn (the run waits for it before it ends).
    if (session.features.agentcoreMemory && answer.role !== 'error') session.track(rememberTurn(session, activities, this.messages, userEntries, answer));
    await this.stopLeftRuntimeSessions();
  }

  /** The turn's messages as the transcript keeps them. */
  private userEntries(): TranscriptEntry[] {
    return this.messages.map((message) => ({
      turn: this.turn,
      role: 'user',
      text: message.text,
      messageId: message.messageId,
      ...(message.sender ? { sender: message.sender } : {}),
      at: message.receivedAt,
    }));
  }

  /** What the answer is recorded with besides its words: the runtime session (and a rotation), the tools, the models. */
  private answerParts(): AnswerParts {
    const firstRotation = this.rotations[0];
    return {
      runtime: { sessionId: this.session.runtime.id, ...(firstRotation ? { rotatedFrom: firstRotation.from, reason: this.rotations.at(-1)!.reason } : {}) },
      tools: this.toolCalls.used,
      tally: this.tally,
    };
  }

  /** Moves the conversation to a fresh runtime session; the old one is stopped when the turn ends (unless lost). */
  private rotate(reason: RotationReason): void {
    const { session } = this;
    this.rotations.push({ from: session.runtime.id, reason });
    recordRotation(session, reason);
    log.info('Moving to a fresh runtime session', { sessionKey: session.sessionKey, from: session.runtime.id, reason });
    session.rotateRuntime();
  }

  /** The tools and system prompt of the tools host: once a run, and again after the agent changed its files. */
  private async refreshWorkspace(): Promise<void> {
    const { session } = this;
    if (!session.workspace.needed()) return;
    const refreshed = await this.describeWorkspace().catch((error: unknown) => {
      log.warn('The tools host did not describe its workspace; answering without tools this turn', { sessionKey: session.sessionKey, error: String(error) });
      return null;
    });
    // A changed system prompt: the runtime session gets the full context again.
    if (session.workspace.described(refreshed)) session.runtime.stale();
  }

  /** The tools host's description: from this worker when it is the tools host, else through the tools task queue. */
  private async describeWorkspace(): Promise<WorkspaceContext> {
    const input = { sessionKey: this.session.sessionKey };
    const here = this.session.features.describedInWorker ? await this.activities.workspaceHere.describeWorkspaceHere(input) : null;
    return here ?? this.activities.workspaceHost.describeWorkspace(input);
  }

  /** The model and the tools, round after round, until an answer in words (or a stop, or a failure the user reads). */
  private async converse(): Promise<TranscriptEntry> {
    const { session, turn } = this;
    let answer: TranscriptEntry;
    try {
      const scope = session.turnScope.open();
      const steps: ToolStep[] = [];
      let result = await scope.run(() => this.invokeStep(steps, true));
      while (result.kind === 'toolCalls') {
        if (steps.length >= session.settings.maxToolSteps) {
          throw new TurnAbandoned(`The agent could not answer: it still wanted tools after ${session.settings.maxToolSteps} rounds of tool calls.`);
        }
        const calls = result.toolCalls;
        // /verbose on: the chat sees the round as it starts; its delivery neither holds the turn up nor fails it (the run
        // waits for it before it continues as new).
        if (session.choices.verbose) session.track(this.showToolCalls(calls, steps.length + 1));
        const results = await scope.run(() => Promise.all(calls.map((call) => this.toolCalls.call(call))));
        const steered = this.takeSteered();
        steps.push({ text: result.text, toolCalls: calls, results, ...(steered.length ? { messages: steered.map(modelMessage) } : {}) });
        result = await scope.run(() => this.invokeStep(steps, steps.length < session.settings.maxToolSteps));
      }
      this.recorded = result.recordedAt !== undefined;
      // The session keeps its own clock (its reset policy and last activity run on workflow time); the line written
      // by the call has the worker's, milliseconds apart.
      answer = { turn, role: 'assistant', text: result.reply, at: now(), ...this.keptSteps(steps) };
    } catch (error) {
      if (isCancellation(error) && session.turnScope.interrupting) throw new TurnInterrupted();
      const failure = failedCall(error);
      if (isCancellation(error)) answer = { turn, role: 'error', text: 'Stopped at your request; what was running was cancelled.', at: now() };
      else if (error instanceof TurnAbandoned) answer = { turn, role: 'error', text: error.message, at: now() };
      else if (failure) answer = { turn, role: 'error', text: failureMessage(failure), at: now() };
      else throw error;
      log.error('Turn failed', { sessionKey: session.sessionKey, turn, error: answer.text });
    } finally {
      session.turnScope.close();
    }
    return answer;
  }

  /** The tools the model is offered: the tools host's, and the ones the session answers itself. */
  private tools(): ToolSpec[] {
    const { session } = this;
    const host = session.workspace.current?.tools ?? [];
    return [...host, ...(session.features.messageTool ? [messageToolSpec] : []), ...(session.features.subagents && !session.subagent ? [spawnToolSpec] : [])];
  }

  /** Queue mode `steer`: messages from the same chat that came during this turn join it at its tool boundary. */
  private takeSteered(): QueuedMessage[] {
    const steered = this.session.steerIn(this.message, this.separate);
    if (steered.length === 0) return [];
    log.info('Steering messages into the running turn', { sessionKey: this.session.sessionKey, turn: this.turn, messageIds: steered.map((m) => m.messageId) });
    this.messages.push(...steered);
    this.message = steered.at(-1)!;
    return steered;
  }

  /** The turn's tool rounds as its answer keeps them (pruned), where the session keeps them (compaction). */
  private keptSteps(steps: ToolStep[]): Pick<TranscriptEntry, 'steps'> {
    return steps.length && this.session.features.compaction ? { steps: pruneSteps(steps) } : {};
  }

  /** One invocation; a runtime session that lost the conversation is replaced and sent the full context. */
  private async invokeStep(steps: ToolStep[], toolsAllowed: boolean): Promise<InvocationResult & { recordedAt?: string }> {
    const { session, turn } = this;
    const first = this.messages[0]!;
    const messages = [
      ...this.notes.map((content, i) => ({ messageId: `${first.messageId}:note-${i}`, content })),
      ...this.messages.slice(0, this.opening).map(modelMessage),
    ];
    for (;;) {
      const fresh = session.runtime.syncedThroughTurn === null;
      const history = fresh ? windowToHistory(session.context.window) : [];
      const context = fresh
        ? ({
            mode: 'full',
            systemPrompt: session.workspace.current?.systemPrompt ?? null,
            summary: session.context.summary?.text ?? null,
            history,
            keepTurns: session.settings.historyTurns,
          } as const)
        : ({ mode: 'cached', throughTurn: session.runtime.syncedThroughTurn! } as const);
      // A runtime session sent the full context again (after a compaction, a changed system prompt) is no younger for
      // it: its lifetime runs from its first invocation. (Runs from before compaction restarted the clock; they keep to it.)
      if (fresh) session.runtime.start(now(), !session.features.compaction);
      try {
        const input = {
          runtimeSessionId: session.runtime.id,
          invocation: {
            sessionKey: session.sessionKey,
            turn,
            context,
            messages,
            tools: this.tools(),
            steps,
            toolsAllowed,
            ...(session.choices.model ? { model: session.choices.model } : {}),
            ...(session.usage.cooldowns ? { cooldowns: session.usage.cooldowns } : {}),
            ...(session.choices.thinking ? { thinking: session.choices.thinking } : {}),
          },
          ...(this.message.route ? { route: this.message.route } : this.message.stream ? { streamTo: this.message.messageId } : {}),
        };
        const result = this.recordsInCall
          ? await this.activities.agentRecording.invokeAgentAndRecord({ ...input, record: this.draft(steps) })
          : await this.activities.agent.invokeAgent(input);
        this.tally = tallied(this.tally, result);
        session.usage.cooled(result.cooldowns);
        const synced = result.kind === 'reply' ? turn : fresh ? (history.at(-1)?.turn ?? 0) : session.runtime.syncedThroughTurn;
        session.runtime.used(now(), synced);
        return result;
      } catch (error) {
        if (fresh || !failedWithType(error, runtimeSessionLostType)) throw error;
        this.rotate('lost');
      }
    }
  }

  /** What the call that gives the answer writes with it (recordsInCall). */
  private draft(steps: ToolStep[]): AnswerDraft {
    return { userEntries: this.userEntries(), said: { turn: this.turn, ...this.keptSteps(steps) }, ...this.answerParts() };
  }

  /** Into the session's state and the transcript store, in an order that lets the run end cleanly. */
  private async record(userEntries: TranscriptEntry[], answer: TranscriptEntry): Promise<void> {
    const { session, messages, turn } = this;
    // Appends are awaited before the next turn: the store writes turns in order. The model call may have written them.
    const append = (): Promise<void> =>
      this.recorded ? Promise.resolve() : this.activities.persistence.appendTranscript({ sessionKey: session.sessionKey, entries: [...userEntries, answer] });
    if (session.lastTurnOfRun()) {
      // This turn ends the run: answer only once the transcript is written, so that a caller's next message finds the
      // run ready to continue as new instead of keeping it busy forever.
      await append();
      session.record(messages, turn, userEntries, answer);
    } else {
      // The reply is durable in history from here on: answer the caller now and write the transcript meanwhile.
      session.record(messages, turn, userEntries, answer);
      await append();
    }
  }

  /** The answer goes back where the message came from, once per turn whatever the retries. */
  private async deliver(answer: TranscriptEntry): Promise<void> {
    const { session, turn } = this;
    const route = this.message.route;
    if (!route) return;
    const images = (answer.tools ?? []).flatMap((t) => (t.artifacts ?? []).filter((a) => a.kind === 'image').map((a) => a.path));
    await this.activities.connector
      .deliver({
        route,
        text: answer.text,
        images,
        ...(images.length ? { agentId: session.key.agent } : {}),
        idempotencyKey: `${workflowInfo().workflowId}:${turn}`,
      })
      .catch((error: unknown) => {
        // Recorded in the transcript either way; the platform refused it or stayed unreachable for retryForSeconds.
        log.error('Could not deliver the answer to its channel', { sessionKey: session.sessionKey, turn, channel: route.channel, error: String(error) });
      });
  }

  /** One round of tool calls in words (`🔧 read {"path":"notes.txt"}`), delivered where the message came from. */
  private async showToolCalls(calls: readonly ToolCall[], round: number): Promise<void> {
    const route = this.message.route;
    if (!route) return;
    const text = calls.map((call) => `🔧 ${call.name} ${oneLine(JSON.stringify(call.input), 160)}`).join('\n');
    await this.activities.connector
      .deliver({ route, text, idempotencyKey: `${workflowInfo().workflowId}:${this.turn}:tools-${round}` })
      .catch((error: unknown) => log.warn('Could not show the tool calls in the chat', { sessionKey: this.session.sessionKey, error: String(error) }));
  }

  /** A runtime session left before its limits still holds a microVM until it idles out: end it now. A lost one is gone. */
  private async stopLeftRuntimeSessions(): Promise<void> {
    for (const { from, reason } of this.rotations) {
      if (reason === 'lost') continue;
      await this.activities.housekeeping.stopRuntimeSession({ runtimeSessionId: from }).catch((error: unknown) => {
        log.warn('Could not stop a runtime session left behind; it ends at its idle timeout', {
          sessionKey: this.session.sessionKey,
          runtimeSessionId: from,
          error: String(error),
        });
      });
    }
  }
}
