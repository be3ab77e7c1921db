import {
  ActivityFailure,
  allHandlersFinished,
  ApplicationFailure,
  CancellationScope,
  isCancellation,
  condition,
  continueAsNew,
  log,
  proxyActivities,
  proxyLocalActivities,
  setCurrentDetails,
  setHandler,
  upsertSearchAttributes,
  uuid4,
  workflowInfo,
} from '@temporalio/workflow';
import type { AgentActivities, ConnectorActivities, RunToolOutcome, ToolActivities, TranscriptActivities, WorkspaceContext } from '../contracts/activities.js';
import { runtimeSessionLostType, type InvocationResult, type ToolCall, type ToolResult, type ToolStep } from '../contracts/agent-runtime.js';
import { approvalDecisionSchema, approvalSignal, stopSignal, type ApprovalDecision, type ApprovalRequest, inboundMessageSchema, inboundSignal, sendUpdate, sessionInputSchema, statusQuery, transcriptQuery, type CarriedState, type InboundMessage, type QueuedMessage, type RuntimeSessionState, type SessionInput, type SessionStatusName, type TurnReply } from './messages.js';
import { describeZodError } from '../contracts/zod-issues.js';
import { type RotationReason, type TranscriptEntry } from '../contracts/session-records.js';
import { sessionSearchAttributes as sa } from './search-attributes.js';
import { parseSessionKey } from '../contracts/session-key.js';
import { BoundedIdSet, freshRuntimeSession, pushBounded, rotationDue, trimWindow, windowToHistory } from './session-state.js';
import { taskQueues } from './task-queues.js';

const recentRepliesKept = 50;
const rejectedKept = 20;

/** Turns a failure of the agent into the sentence the user sees in place of a reply. */
function failureMessage(error: ActivityFailure): string {
  const cause = error.cause;
  const detail = cause instanceof Error ? cause.message : error.message;
  return `The agent could not answer: ${detail}`;
}

/** A turn that cannot end with an answer; the user sees the message. */
class TurnAbandoned extends Error {}

function isRuntimeSessionLost(error: unknown): boolean {
  return error instanceof ActivityFailure && error.cause instanceof ApplicationFailure && error.cause.type === runtimeSessionLostType;
}

/**
 * One conversation. Lives as long as the conversation does: messages arrive by signal (`inbound`) or
 * update (`send`), are answered one turn at a time in arrival order, and the state rolls over into a new
 * run (continue-as-new) before the history grows large.
 */
export async function SessionWorkflow(rawInput: SessionInput): Promise<void> {
  const parsedInput = sessionInputSchema.safeParse(rawInput);
  if (!parsedInput.success) {
    throw ApplicationFailure.nonRetryable(`Invalid session input: ${describeZodError(parsedInput.error)}`, 'InvalidSessionInput');
  }
  const { sessionKey, settings, carried } = parsedInput.data;
  const key = parseSessionKey(sessionKey);
  const now = (): string => new Date().toISOString();

  const agent = proxyActivities<AgentActivities>({
    taskQueue: taskQueues.agent,
    startToCloseTimeout: settings.turnTimeoutSeconds * 1000,
    heartbeatTimeout: settings.heartbeatTimeoutSeconds * 1000,
    scheduleToCloseTimeout: settings.retryForSeconds * 1000,
    retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '30s' },
  });
  // A tool call runs once: a command that may have half run is reported to the model, never silently repeated.
  const tools = proxyActivities<ToolActivities>({
    taskQueue: taskQueues.tools,
    startToCloseTimeout: '2h',
    heartbeatTimeout: settings.heartbeatTimeoutSeconds * 1000,
    scheduleToCloseTimeout: settings.retryForSeconds * 1000 + 2 * 3600 * 1000,
    retry: { maximumAttempts: 1 },
  });
  // The tools host may be asleep: do not hold a turn long for its workspace, answer without it and try again later.
  const workspaceHost = proxyActivities<ToolActivities>({
    taskQueue: taskQueues.tools,
    scheduleToStartTimeout: '5s',
    startToCloseTimeout: '30s',
    retry: { maximumAttempts: 2 },
  });
  // Replies go out through the connector that holds the channel; deliveries are idempotent per turn, so retry freely.
  const connector = proxyActivities<ConnectorActivities>({
    taskQueue: taskQueues.connector,
    startToCloseTimeout: '60s',
    scheduleToCloseTimeout: settings.retryForSeconds * 1000,
    retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '30s' },
  });
  const typingIndicator = proxyActivities<ConnectorActivities>({
    taskQueue: taskQueues.connector,
    scheduleToCloseTimeout: '10s',
    retry: { maximumAttempts: 1 },
  });
  // Best effort: nothing waits on it for long.
  const housekeeping = proxyActivities<AgentActivities>({
    taskQueue: taskQueues.agent,
    startToCloseTimeout: '30s',
    scheduleToCloseTimeout: '2m',
    retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '30s' },
  });
  // The transcript must never lose a turn: keep retrying until the store takes it.
  // A local activity: the sessions worker writes the line itself, without a round trip through the server's queues.
  const persistence = proxyLocalActivities<TranscriptActivities>({
    startToCloseTimeout: '30s',
    retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '30s' },
  });

  let turns = carried?.turns ?? 0;
  let turnsThisRun = 0;
  let status: SessionStatusName = 'idle';
  let inFlight: string | null = null;
  let lastActivity = carried?.lastActivity ?? null;
  const runs = (carried?.runs ?? 0) + 1;
  const createdAt = carried?.createdAt ?? now();
  const summary = carried?.summary ?? null;
  let runtime: RuntimeSessionState = carried?.runtimeSession ?? freshRuntimeSession(`clawflow-${uuid4()}`, 0);
  let window: TranscriptEntry[] = carried?.window ?? [];
  const queue: QueuedMessage[] = carried?.queue ?? [];
  const recentReplies: TurnReply[] = carried?.recentReplies ?? [];
  const rejected: string[] = carried?.rejected ?? [];
  const seen = new BoundedIdSet(carried?.seenMessageIds ?? [], settings.dedupeWindow);
  const alwaysApproved = new Set(carried?.alwaysApproved ?? []);
  let lastRoute = carried?.lastRoute;
  const pendingApprovals: ApprovalRequest[] = [];
  const decisions = new Map<string, ApprovalDecision['decision']>();
  /** The tools and system prompt the tools host offers; fetched once a run, and again after the agent changed its files. */
  let workspace: WorkspaceContext | null = null;
  let workspaceChanged = false;
  /** The running turn's work (model calls, tool calls), cancelled by the user's stop. */
  let turnScope: CancellationScope | null = null;

  const publish = (): void => {
    upsertSearchAttributes([
      { key: sa.status, value: status },
      { key: sa.turns, value: turns },
      { key: sa.runtimeSession, value: runtime.id },
      { key: sa.rotations, value: runtime.rotations },
      ...(lastActivity ? [{ key: sa.lastActivity, value: new Date(lastActivity) }] : []),
    ]);
    setCurrentDetails(`**${sessionKey}** — ${status}, ${turns} turn(s), ${queue.length} queued, run ${runs}`);
  };

  const reject = (reason: string): void => {
    log.warn('Rejected input', { sessionKey, reason });
    pushBounded(rejected, `${now()} ${reason}`, rejectedKept);
  };

  /** Queues a new message; returns false for a redelivery of one already seen. */
  const accept = (message: InboundMessage, awaited: boolean): boolean => {
    const queued = queue.find((m) => m.messageId === message.messageId);
    if (queued) {
      queued.awaited ||= awaited;
      return false;
    }
    if (seen.has(message.messageId)) return false;
    seen.add(message.messageId);
    queue.push({ ...message, receivedAt: now(), awaited });
    return true;
  };

  const replyFor = (messageId: string): TurnReply | undefined => recentReplies.find((r) => r.messageId === messageId);

  setHandler(inboundSignal, (raw) => {
    const parsed = inboundMessageSchema.safeParse(raw);
    if (!parsed.success) return reject(`inbound signal refused: ${describeZodError(parsed.error)}`);
    if (!accept(parsed.data, false)) log.info('Dropped a redelivered message', { sessionKey, messageId: parsed.data.messageId });
  });

  setHandler(
    sendUpdate,
    async (raw) => {
      const message = inboundMessageSchema.parse(raw); // the validator has already refused anything that fails here
      const isNew = accept(message, true);
      const pending = isNew || inFlight === message.messageId || queue.some((m) => m.messageId === message.messageId);
      if (!pending && !replyFor(message.messageId)) {
        throw ApplicationFailure.nonRetryable(
          `Message ${message.messageId} was already handled in this session and its reply is no longer kept`,
          'DuplicateMessage',
        );
      }
      await condition(() => replyFor(message.messageId) !== undefined);
      const reply = replyFor(message.messageId)!;
      if (reply.error) throw ApplicationFailure.nonRetryable(reply.error, 'TurnFailed');
      return reply;
    },
    {
      validator: (message) => {
        const parsed = inboundMessageSchema.safeParse(message);
        if (!parsed.success) {
          const reason = `send refused: ${describeZodError(parsed.error)}`;
          log.warn('Rejected input', { sessionKey, reason });
          throw new Error(reason);
        }
      },
    },
  );

  setHandler(approvalSignal, (raw) => {
    const parsed = approvalDecisionSchema.safeParse(raw);
    if (!parsed.success) return reject(`approval signal refused: ${describeZodError(parsed.error)}`);
    if (!pendingApprovals.some((a) => a.requestId === parsed.data.requestId)) return reject(`approval for unknown or expired request ${parsed.data.requestId}`);
    decisions.set(parsed.data.requestId, parsed.data.decision);
  });

  setHandler(stopSignal, () => {
    if (!turnScope) return log.info('Stop requested with no turn running', { sessionKey });
    log.info('Stopping the running turn at the user\'s request', { sessionKey, messageId: inFlight });
    turnScope.cancel();
  });

  setHandler(transcriptQuery, () => window);
  setHandler(statusQuery, () => ({
    sessionKey,
    status,
    turns,
    queued: queue.length,
    runs,
    createdAt,
    lastActivity,
    runtimeSession: runtime,
    rejected,
    pendingApprovals,
    ...(lastRoute ? { lastRoute } : {}),
  }));

  /** Asks the user to approve a tool call and waits, durably, for the answer or the timeout. */
  const askUser = async (tool: string, subject: string, route: QueuedMessage['route']): Promise<ApprovalDecision['decision'] | 'timeout'> => {
    const requestedAt = new Date();
    const request: ApprovalRequest = {
      requestId: uuid4(),
      tool,
      subject,
      requestedAt: requestedAt.toISOString(),
      expiresAt: new Date(requestedAt.getTime() + settings.approvalTimeoutSeconds * 1000).toISOString(),
    };
    pendingApprovals.push(request);
    status = 'awaiting-approval';
    publish();
    log.info('Waiting for the user to approve a tool call', { sessionKey, tool, subject, requestId: request.requestId });
    if (route) {
      const id = request.requestId;
      const text = `I'd like to run (${tool}):\n${subject}\n\nReply /approve ${id} to allow it once, /always ${id} to always allow it, or /deny ${id}.`;
      await connector.deliver({ route, text, idempotencyKey: `${workflowInfo().workflowId}:approval:${id}` }).catch((error: unknown) => {
        log.error('Could not deliver an approval request to its channel', { sessionKey, error: String(error) });
      });
    }
    const answered = await condition(() => decisions.has(request.requestId), settings.approvalTimeoutSeconds * 1000);
    pendingApprovals.splice(pendingApprovals.indexOf(request), 1);
    const decision = answered ? decisions.get(request.requestId)! : 'timeout';
    decisions.delete(request.requestId);
    status = 'running';
    publish();
    return decision;
  };

  const runTurn = async (message: QueuedMessage): Promise<void> => {
    const turn = turns + 1;
    inFlight = message.messageId;
    status = 'running';
    publish();

    const userEntry: TranscriptEntry = {
      turn,
      role: 'user',
      text: message.text,
      messageId: message.messageId,
      ...(message.sender ? { sender: message.sender } : {}),
      at: message.receivedAt,
    };
    const rotations: Array<{ from: string; reason: RotationReason }> = [];
    const rotate = (reason: RotationReason): void => {
      rotations.push({ from: runtime.id, reason });
      log.info('Moving to a fresh runtime session', { sessionKey, from: runtime.id, reason });
      runtime = freshRuntimeSession(`clawflow-${uuid4()}`, runtime.rotations + 1);
    };
    const due = rotationDue(runtime, settings, Date.now());
    if (due) rotate(due);
    if (!workspace || workspaceChanged) {
      const refreshed = await workspaceHost.describeWorkspace().catch((error: unknown) => {
        log.warn('The tools host did not describe its workspace; answering without tools this turn', { sessionKey, error: String(error) });
        return null;
      });
      // A changed workspace means a changed system prompt: the runtime session gets the full context again.
      if (refreshed && workspace && refreshed.systemPrompt !== workspace.systemPrompt) runtime = { ...runtime, syncedThroughTurn: null };
      workspace = refreshed;
      workspaceChanged = !refreshed;
    }
    const offered = workspace?.tools ?? [];

    const route = message.route;
    if (route) lastRoute = route;
    if (route) void typingIndicator.typing({ route }).catch(() => undefined);
    const messages = [{ messageId: message.messageId, content: message.text, ...(message.sender ? { sender: message.sender } : {}) }];
    /** One invocation; a runtime session that lost the conversation is replaced and sent the full context. */
    const invokeStep = async (steps: ToolStep[], toolsAllowed: boolean): Promise<InvocationResult> => {
      for (;;) {
        const fresh = runtime.syncedThroughTurn === null;
        const history = fresh ? windowToHistory(window) : [];
        const context = fresh
          ? ({ mode: 'full', systemPrompt: workspace?.systemPrompt ?? null, summary, history, keepTurns: settings.historyTurns } as const)
          : ({ mode: 'cached', throughTurn: runtime.syncedThroughTurn! } as const);
        if (fresh) runtime = { ...runtime, startedAt: now() };
        try {
          const result = await agent.invokeAgent({
            runtimeSessionId: runtime.id,
            invocation: { sessionKey, turn, context, messages, tools: offered, steps, toolsAllowed },
            ...(route ? { route } : {}),
          });
          const synced = result.kind === 'reply' ? turn : fresh ? (history.at(-1)?.turn ?? 0) : runtime.syncedThroughTurn;
          runtime = { ...runtime, lastUsedAt: now(), syncedThroughTurn: synced };
          return result;
        } catch (error) {
          if (fresh || !isRuntimeSessionLost(error)) throw error;
          rotate('lost');
        }
      }
    };

    /** Runs one tool call; asks the user first when the host's policy says so. */
    const runToolCall = async (call: ToolCall): Promise<ToolResult> => {
      const failed = (output: string): ToolResult => ({ callId: call.id, name: call.name, output, isError: true });
      const attempt = (approved: boolean): Promise<RunToolOutcome> =>
        tools.runTool({ sessionKey, call, approved }).catch((error: unknown) => {
          if (!(error instanceof ActivityFailure) || isCancellation(error)) throw error;
          const reason = error.cause instanceof Error ? error.cause.message : error.message;
          return { kind: 'result', result: failed(`${call.name} did not finish (${reason}); it may or may not have taken effect — check before trying again`), workspaceChanged: true };
        });
      let outcome = await attempt(false);
      if (outcome.kind === 'approvalRequired') {
        const decision = alwaysApproved.has(outcome.subject) ? 'once' : await askUser(call.name, outcome.subject, message.route);
        if (decision === 'always') alwaysApproved.add(outcome.subject);
        if (decision === 'deny' || decision === 'timeout') {
          return failed(decision === 'deny' ? `the user did not allow running: ${outcome.subject}` : `no answer from the user within ${settings.approvalTimeoutSeconds} s; not run: ${outcome.subject}`);
        }
        outcome = await attempt(true);
        if (outcome.kind === 'approvalRequired') return failed(`the tools host still refuses: ${outcome.subject}`);
      }
      if (outcome.workspaceChanged) workspaceChanged = true;
      used.push({ name: call.name, isError: outcome.result.isError, ...(outcome.artifacts ? { artifacts: outcome.artifacts } : {}) });
      return outcome.result;
    };

    let answer: TranscriptEntry;
    const used: NonNullable<TranscriptEntry['tools']> = [];
    try {
      turnScope = new CancellationScope();
      const steps: ToolStep[] = [];
      let result = await turnScope.run(() => invokeStep(steps, true));
      while (result.kind === 'toolCalls') {
        if (steps.length >= settings.maxToolSteps) {
          throw new TurnAbandoned(`The agent could not answer: it still wanted tools after ${settings.maxToolSteps} rounds of tool calls.`);
        }
        const calls = result.toolCalls;
        const results = await turnScope.run(() => Promise.all(calls.map(runToolCall)));
        steps.push({ text: result.text, toolCalls: calls, results });
        result = await turnScope.run(() => invokeStep(steps, steps.length < settings.maxToolSteps));
      }
      answer = { turn, role: 'assistant', text: result.reply, at: now() };
    } catch (error) {
      if (isCancellation(error)) answer = { turn, role: 'error', text: 'Stopped at your request; what was running was cancelled.', at: now() };
      else if (error instanceof TurnAbandoned) answer = { turn, role: 'error', text: error.message, at: now() };
      else if (error instanceof ActivityFailure) answer = { turn, role: 'error', text: failureMessage(error), at: now() };
      else throw error;
      log.error('Turn failed', { sessionKey, turn, error: answer.text });
    }
    turnScope = null;
    const firstRotation = rotations[0];
    answer = {
      ...answer,
      runtime: { sessionId: runtime.id, ...(firstRotation ? { rotatedFrom: firstRotation.from, reason: rotations.at(-1)!.reason } : {}) },
      ...(used.length ? { tools: used } : {}),
    };

    const record = (): void => {
      window = trimWindow([...window, userEntry, answer], settings.historyTurns);
      turns = turn;
      turnsThisRun += 1;
      lastActivity = answer.at;
      pushBounded(
        recentReplies,
        answer.role === 'error'
          ? { messageId: message.messageId, turn, text: '', error: answer.text }
          : { messageId: message.messageId, turn, text: answer.text },
        recentRepliesKept,
      );
      inFlight = null;
      status = 'idle';
      publish();
    };
    // Appends are awaited before the next turn: the store writes turns in order.
    const append = (): Promise<void> => persistence.appendTranscript({ sessionKey, entries: [userEntry, answer] });
    if (turnsThisRun + 1 >= settings.continueAsNewAfterTurns || workflowInfo().continueAsNewSuggested) {
      // This turn ends the run: answer only once the transcript is written, so that a caller's next message
      // finds the run ready to continue as new instead of keeping it busy forever.
      await append();
      record();
    } else {
      // The reply is durable in history from here on: answer the caller now and write the transcript meanwhile.
      record();
      await append();
    }
    // The answer goes back where the message came from, once per turn whatever the retries.
    if (route) {
      const images = (answer.tools ?? []).flatMap((t) => (t.artifacts ?? []).filter((a) => a.kind === 'image').map((a) => a.path));
      await connector.deliver({ route, text: answer.text, images, idempotencyKey: `${workflowInfo().workflowId}:${turn}` }).catch((error: unknown) => {
        // Recorded in the transcript either way; the platform refused it or stayed unreachable for retryForSeconds.
        log.error('Could not deliver the answer to its channel', { sessionKey, turn, channel: route.channel, error: String(error) });
      });
    }
    // A session left before its limits still holds a microVM until it idles out: end it now. A lost one is gone.
    for (const { from, reason } of rotations) {
      if (reason === 'lost') continue;
      await housekeeping.stopRuntimeSession({ runtimeSessionId: from }).catch((error: unknown) => {
        log.warn('Could not stop a runtime session left behind; it ends at its idle timeout', { sessionKey, runtimeSessionId: from, error: String(error) });
      });
    }
  };

  const rollOverDue = (): boolean => turnsThisRun >= settings.continueAsNewAfterTurns || workflowInfo().continueAsNewSuggested;
  const someoneWaits = (): boolean => queue.some((m) => m.awaited);

  if (!carried) {
    upsertSearchAttributes([
      { key: sa.agent, value: key.agent },
      { key: sa.channel, value: key.channel },
      { key: sa.peer, value: key.chat },
    ]);
  }
  publish();

  for (;;) {
    await condition(() => queue.length > 0 || rollOverDue());
    if (rollOverDue() && !someoneWaits()) {
      // Handlers still running (a `send` about to return its reply) must finish in this run.
      await condition(() => allHandlersFinished() || someoneWaits());
      if (!someoneWaits()) {
        const next: CarriedState = {
          turns,
          runs,
          createdAt,
          lastActivity,
          window,
          summary,
          seenMessageIds: seen.toArray(),
          queue,
          recentReplies,
          runtimeSession: runtime,
          rejected,
          alwaysApproved: [...alwaysApproved],
          ...(lastRoute ? { lastRoute } : {}),
        };
        log.info('Continuing as new', { sessionKey, turns, queued: queue.length });
        await continueAsNew<typeof SessionWorkflow>({ sessionKey, settings, carried: next });
      }
    }
    const message = queue.shift();
    if (message) await runTurn(message);
  }
}
