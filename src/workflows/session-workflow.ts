import { allHandlersFinished, ApplicationFailure, condition, continueAsNew, log, patched, setHandler, workflowInfo } from '@temporalio/workflow';
import { describeZodError } from '../contracts/zod-issues.js';
import {
  approvalSignal,
  inboundSignal,
  sendUpdate,
  statusQuery,
  stopSignal,
  transcriptQuery,
  type InboundMessage,
  type SessionInput,
  type TurnReply,
} from './messages.js';
import { checkInboundMessage, checkSessionInput } from './input-validation.js';
import { sessionActivities, type SessionActivities } from './session/activities.js';
import { Approvals } from './session/approvals.js';
import { ChatCommands, isQueuedCommand, parseChatCommand } from './session/commands.js';
import { Session } from './session/session.js';
import { backgroundDeadline, reportToParent } from './session/subagent-report.js';
import { Turn } from './session/turn.js';
import { sessionFeatures } from './session/features.js';
import { resetDue } from './reset-policy.js';

/**
 * One conversation. Lives as long as the conversation does: messages arrive by signal (`inbound`) or update (`send`),
 * are answered one turn at a time in arrival order, and the state rolls over into a new run (continue-as-new) before
 * the history grows large. The state and its rules are the Session's; a turn is a Turn; this function holds the
 * message handlers and the main loop.
 */
export async function SessionWorkflow(rawInput: SessionInput): Promise<TurnReply | undefined> {
  const input = checkSessionInput(rawInput);
  if (!input.success) throw ApplicationFailure.nonRetryable(`Invalid session input: ${describeZodError(input.error)}`, 'InvalidSessionInput');
  const { sessionKey, settings, carried } = input.data;
  const features = sessionFeatures(!carried, settings);
  // A sub-agent works on its task and spawns none of its own.
  const session = new Session(sessionKey, settings, carried, features, input.data.task !== undefined, input.data.oneOff === true);
  const activities = sessionActivities(settings, features);
  await refuseForeignCarriedState(input.data, rawInput, activities);
  const approvals = new Approvals(session, activities);

  const commands = new ChatCommands(session, activities, approvals);
  /** A chat command not seen before (a redelivered one is a duplicate like any message). */
  const newCommand = (message: InboundMessage) => {
    if (!features.chatCommands || session.hasSeen(message.messageId) || session.isPending(message.messageId)) return null;
    return parseChatCommand(message.text, features);
  };
  /** A queued /new, /reset or /compact: handled on its own, never answered together with other messages. */
  const separate = (message: InboundMessage) => isQueuedCommand(message, features);

  setHandler(inboundSignal, async (raw) => {
    const parsed = checkInboundMessage(raw);
    if (!parsed.success) return session.reject(`inbound signal refused: ${describeZodError(parsed.error)}`);
    const command = newCommand(parsed.data);
    if (command) return commands.take(parsed.data, command, false);
    if (session.accept(parsed.data, false).outcome === 'duplicate') log.info('Dropped a redelivered message', { sessionKey, messageId: parsed.data.messageId });
  });

  setHandler(
    sendUpdate,
    async (raw) => {
      const checked = checkInboundMessage(raw);
      // The validator has already refused anything that fails here.
      if (!checked.success) throw ApplicationFailure.nonRetryable(`send refused: ${describeZodError(checked.error)}`, 'InvalidMessage');
      const message = checked.data;
      const command = newCommand(message);
      if (command) {
        await commands.take(message, command, true);
        await condition(() => session.replyFor(message.messageId) !== undefined);
        return session.replyFor(message.messageId)!;
      }
      const accepted = session.accept(message, true);
      if (accepted.outcome === 'full') throw ApplicationFailure.nonRetryable(`Message ${message.messageId} was refused: ${accepted.reason}`, 'QueueFull');
      if (accepted.outcome === 'duplicate' && !session.isPending(message.messageId) && !session.replyFor(message.messageId)) {
        throw ApplicationFailure.nonRetryable(
          `Message ${message.messageId} was already handled in this session and its reply is no longer kept`,
          'DuplicateMessage',
        );
      }
      await condition(() => session.replyFor(message.messageId) !== undefined);
      const reply = session.replyFor(message.messageId)!;
      if (reply.error) throw ApplicationFailure.nonRetryable(reply.error, 'TurnFailed');
      return reply;
    },
    {
      validator: (message) => {
        const parsed = checkInboundMessage(message);
        if (parsed.success) return;
        const reason = `send refused: ${describeZodError(parsed.error)}`;
        log.warn('Rejected input', { sessionKey, reason });
        throw new Error(reason);
      },
    },
  );

  setHandler(approvalSignal, (raw) => {
    const refused = approvals.answer(raw);
    if (refused) session.reject(refused);
  });

  setHandler(stopSignal, () => {
    if (!session.turnScope.stop()) return log.info('Stop requested with no turn running', { sessionKey });
    log.info("Stopping the running turn at the user's request", { sessionKey, messageId: session.inFlight.map((m) => m.messageId) });
  });

  setHandler(transcriptQuery, () => [...session.context.window]);
  setHandler(statusQuery, () => session.describe(approvals.pending));

  if (!carried) session.introduce();
  session.publish();
  if (features.resumeFromTranscript) session.resume(await activities.persistence.readTranscriptTail({ sessionKey, turns: settings.historyTurns }));
  // A repaired session first finishes the deliveries its stuck run did not: the keys make a repeat a no-op.
  for (const delivery of carried?.pendingDeliveries ?? []) {
    await activities.connector
      .deliver(delivery)
      .catch((error: unknown) => log.error('Could not deliver an answer left by the run before', { sessionKey, error: String(error) }));
  }

  const task = input.data.task;
  if (task && !carried) session.accept({ messageId: task.messageId, text: task.text }, true);
  // A sub-agent in the background keeps its own deadline and hands its answer to its parent (sessions_spawn wait: false).
  const { reportTo } = input.data;
  const deadline = reportTo && task && !carried ? backgroundDeadline(session, reportTo.timeoutSeconds) : null;

  for (;;) {
    await condition(() => session.queue.length > 0 || session.rollOverDue());
    if (session.rollOverDue() && !session.someoneWaits()) {
      await session.settle();
      // Handlers still running (a `send` about to return its reply) must finish in this run.
      await condition(() => allHandlersFinished() || session.someoneWaits());
      if (!session.someoneWaits()) {
        log.info('Continuing as new', { sessionKey, turns: session.turns, queued: session.queue.length });
        await continueAsNew<typeof SessionWorkflow>({ sessionKey, settings, carried: session.carried() });
      }
    }
    const batch = await session.takeBatch(separate);
    if (batch.length === 0) continue;
    if (separate(batch[0]!)) await commands.runQueued(batch[0]!);
    else {
      const expired = features.resetPolicy ? resetDue(settings.reset, session.context.startedAt, session.lastActivity, new Date()) : null;
      if (expired) await commands.startAfresh(expired);
      await new Turn(session, activities, approvals, batch, separate).run();
    }
    if (input.data.oneOff && session.queue.length === 0) {
      // Its caller gets the reply first; its transcript is already written.
      await session.settle();
      await condition(allHandlersFinished);
      if (session.queue.length === 0) {
        log.info('One-off session answered; ending it', { sessionKey });
        session.publishNow();
        // A sub-agent's answer goes back to its parent (sessions_spawn); other one-off sessions return nothing.
        const reply = task ? session.replyFor(task.messageId) : undefined;
        if (reportTo) await reportToParent(reportTo, sessionKey, reply, deadline?.passed ?? false);
        return reply;
      }
    }
  }
}

/**
 * A workflow trusts only state it made: `carried` from its own continue-as-new, or sealed with the install's key by
 * `sessions repair`. Anyone else who can start a workflow (the Temporal Web UI, a script) could otherwise hand a
 * session its approvals, queue and pending deliveries. Runs started before the check replay without it.
 */
async function refuseForeignCarriedState(input: SessionInput, rawInput: SessionInput, activities: SessionActivities): Promise<void> {
  const info = workflowInfo();
  // A run that continues another is its own continue-as-new only if it is not a cron or retry run: those carry the
  // first run's input again (a session never has a cron schedule or a retried run of its own).
  const ownContinuation = info.continuedFromExecutionRunId !== undefined && !info.cronSchedule && info.attempt === 1;
  if (!input.carried || ownContinuation || !patched('sealed-carried-state')) return;
  const seal = input.carriedSeal;
  const sealed = seal !== undefined && (await activities.seal.checkCarriedSeal({ workflowId: info.workflowId, carried: rawInput.carried, seal }));
  if (sealed) return;
  log.warn('Refused a start with carried state this install did not seal', { sessionKey: input.sessionKey, sealed: seal !== undefined });
  throw ApplicationFailure.nonRetryable(
    `${input.sessionKey} was started with carried state that is neither its own continue-as-new nor sealed by this install (sessions repair); refused`,
    'CarriedStateRefused',
  );
}
