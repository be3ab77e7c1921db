import {
  CancellationScope,
  ChildWorkflowCancellationType,
  ChildWorkflowFailure,
  isCancellation,
  ParentClosePolicy,
  sleep,
  startChild,
  workflowInfo,
} from '@temporalio/workflow';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import { z } from 'zod';
import type { ToolCall, ToolResult, ToolSpec } from '../../contracts/agent-runtime.js';
import type { ReplyRoute } from '../../contracts/session-records.js';
import { parseSessionKey, sessionWorkflowId, subagentKey } from '../../contracts/session-key.js';
import { describeZodError } from '../../contracts/zod-issues.js';
import { untrusted } from '../../contracts/untrusted.js';
import type { SessionInput, TurnReply } from '../messages.js';
import { now } from './clock.js';
import type { Session } from './session.js';

/**
 * OpenClaw's `sessions_spawn`, answered by the session itself: the task goes to a sub-agent — a session of the same
 * agent, run as a child workflow with a context of its own — and its answer comes back as the tool result. The child
 * is durable like any session (it survives worker and server restarts; the parent's turn waits for it), appears
 * linked to its parent in the Web UI, and is cancelled with the turn (/stop) or when it runs past its time.
 */
export const spawnToolSpec: ToolSpec = {
  name: 'sessions_spawn',
  description:
    'Delegate a self-contained task to a sub-agent: a fresh agent with your tools but none of this conversation. Put all it needs in the task. For long research or work that would clutter this conversation.',
  inputSchema: {
    type: 'object',
    properties: {
      task: { type: 'string', description: 'what to do and answer, with all the context needed' },
      label: { type: 'string', description: 'a short name for it' },
      timeoutSeconds: { type: 'integer', minimum: 10, maximum: 3600, description: 'seconds it may take (default 600)' },
      wait: { type: 'boolean', description: 'false: go on now; its answer comes later as a message (default true)' },
    },
    required: ['task'],
    additionalProperties: false,
  },
};

const spawnInput = z
  .object({
    task: z.string().trim().min(1, 'task must not be empty').max(20_000, 'task is longer than 20,000 characters'),
    label: z.string().trim().max(40).optional(),
    timeoutSeconds: z.number().int().min(10).max(3600).default(600),
    wait: z.boolean().default(true),
  })
  .strict();

/**
 * Why this turn may spawn no more sub-agents (one message once made sixty at once), or null; a spawn that may go is
 * counted here, before any of the turn's calls is started.
 */
function spawnRefusal(session: Session, spawnedThisTurn: { count: number }): string | null {
  const { spawnsPerTurn, spawnsPerDay } = session.settings;
  if (spawnedThisTurn.count >= spawnsPerTurn) {
    return `sessions_spawn refused: at most ${spawnsPerTurn} sub-agents per turn (tools.sessions.maxSpawnsPerTurn); do the rest yourself, or in a later turn`;
  }
  const day = now().slice(0, 10);
  const today = session.choices.spawnedOn(day);
  if (today >= spawnsPerDay)
    return `sessions_spawn refused: this conversation has spawned ${today} sub-agents today, the most it may (tools.sessions.maxSpawnsPerDay)`;
  spawnedThisTurn.count += 1;
  session.choices.countSpawn(day);
  return null;
}

/** Runs one `sessions_spawn` call to its end; the result is the sub-agent's answer, or why there is none. */
export async function spawnSubagent(
  call: ToolCall,
  context: { session: Session; turn: number; spawnedThisTurn: { count: number }; route: ReplyRoute | undefined },
): Promise<ToolResult> {
  const result = (output: string, isError: boolean): ToolResult => ({ callId: call.id, name: call.name, output, isError });
  const input = spawnInput.safeParse(call.input);
  if (!input.success) return result(`invalid arguments for sessions_spawn: ${describeZodError(input.error, 'input')}`, true);
  const { task, label, timeoutSeconds, wait } = input.data;
  const { session, turn } = context;
  if (!wait && session.oneOff)
    return result(
      'sessions_spawn with wait: false refused: this conversation ends with your answer, so nothing could come back to it; wait for the sub-agent',
      true,
    );
  // Replaying a run whose code knew no `wait` (it refused the argument): refused the same way.
  if (!wait && !session.features.backgroundSubagents) return result('invalid arguments for sessions_spawn: wait is not known here', true);
  const refused = session.features.subagentLimits ? spawnRefusal(session, context.spawnedThisTurn) : null;
  if (refused) return result(refused, true);
  const sessionKey = subagentKey(session.key, turn, call.id, label);
  const childInput: SessionInput = { sessionKey, settings: session.settings, oneOff: true, task: { messageId: `spawn:${call.id}`, text: task } };
  if (!wait) {
    const reportTo = { workflowId: workflowInfo().workflowId, timeoutSeconds, ...(label ? { label } : {}), ...(context.route ? { route: context.route } : {}) };
    return spawnInBackground({ ...childInput, reportTo }, session, label, result);
  }
  const scope = new CancellationScope();
  let timedOut = false;
  try {
    const reply = await scope.run(async () => {
      const child = await startChild('SessionWorkflow', {
        workflowId: sessionWorkflowId(parseSessionKey(sessionKey)),
        args: [childInput],
        // Cancelled with the turn (/stop) or at its timeout, without waiting for it to wind down. With the runtime called
        // in the worker, the parent's next model call would hold the task carrying the request (and the sub-agent go on
        // meanwhile): the parent goes on once the request is recorded.
        cancellationType: session.features.agentInWorker ? ChildWorkflowCancellationType.WAIT_CANCELLATION_REQUESTED : ChildWorkflowCancellationType.TRY_CANCEL,
        parentClosePolicy: ParentClosePolicy.TERMINATE,
        staticSummary: `Sub-agent of ${session.sessionKey}${label ? `: ${label}` : ''}`,
      });
      const timer = new CancellationScope();
      void timer
        .run(() => sleep(timeoutSeconds * 1000))
        .then(() => {
          timedOut = true;
          scope.cancel();
        })
        .catch(() => undefined);
      try {
        return (await child.result()) as TurnReply | undefined;
      } finally {
        timer.cancel();
      }
    });
    if (!reply) return result('the sub-agent ended without an answer', true);
    if (reply.error) return result(`the sub-agent could not answer: ${reply.error}`, true);
    // Its answer is another session's text: information for the parent, never instructions (it may have read the web).
    return result(`The sub-agent (${sessionKey}) answered:\n${untrusted(`the sub-agent ${sessionKey}`, reply.text)}`, false);
  } catch (error) {
    if (timedOut) return result(`the sub-agent did not answer within ${timeoutSeconds} s and was stopped (${sessionKey})`, true);
    if (isCancellation(error)) throw error;
    if (error instanceof ChildWorkflowFailure) return result(`the sub-agent failed: ${error.cause?.message ?? error.message}`, true);
    throw error;
  }
}

/**
 * A sub-agent that works while the parent goes on: started outside the turn's scope (a /stop or the turn's end does not
 * stop it) and abandoned by the parent's run (it outlives the parent's continue-as-new); it hands its answer to the
 * parent as a message when it is done (subagent-report.ts).
 */
async function spawnInBackground(
  childInput: SessionInput,
  session: Session,
  label: string | undefined,
  result: (output: string, isError: boolean) => ToolResult,
): Promise<ToolResult> {
  const { sessionKey } = childInput;
  try {
    const child = await CancellationScope.nonCancellable(() =>
      startChild('SessionWorkflow', {
        workflowId: sessionWorkflowId(parseSessionKey(sessionKey)),
        args: [childInput],
        cancellationType: ChildWorkflowCancellationType.ABANDON,
        parentClosePolicy: ParentClosePolicy.ABANDON,
        staticSummary: `Background sub-agent of ${session.sessionKey}${label ? `: ${label}` : ''}`,
      }),
    );
    // Its answer comes as a message, not as this result: nothing waits on it here.
    void child.result().catch(() => undefined);
  } catch (error) {
    if (error instanceof WorkflowExecutionAlreadyStartedError) return result(`the sub-agent ${sessionKey} was already started`, true);
    throw error;
  }
  return result(
    `The sub-agent (${sessionKey}) is working on it in the background; its answer will come into this conversation as a message (within ${childInput.reportTo!.timeoutSeconds} s). Tell the user so, and go on.`,
    false,
  );
}
