import { ActivityFailure, isCancellation } from '@temporalio/workflow';
import type { RunToolOutcome } from '../../contracts/activities.js';
import type { ToolCall, ToolResult } from '../../contracts/agent-runtime.js';
import type { ReplyRoute, TranscriptEntry } from '../../contracts/session-records.js';
import type { SessionActivities } from './activities.js';
import type { Approvals } from './approvals.js';
import { messageToolSpec, sendMessageTool } from './message-tool.js';
import type { Session } from './session.js';
import { spawnSubagent, spawnToolSpec } from './subagents.js';

export type ToolUse = NonNullable<TranscriptEntry['tools']>[number];

/** What a turn tells its tool calls: its number, where its newest message came from, and who sent its messages. */
export interface ToolCallContext {
  turn: () => number;
  route: () => ReplyRoute | undefined;
  /** Every message the turn answers (steered ones too) came from the agent's owner. */
  byAgentOwner: () => boolean;
}

/**
 * A turn's tool calls: the ones the session answers itself (sessions_spawn, message), and the tools host's, asked of
 * the user first when the host's policy says so. Records what each call was, for the transcript.
 */
export class ToolCalls {
  /** The calls made, in order, and whether each failed (with the images it produced). */
  readonly used: ToolUse[] = [];
  /** Sub-agents this turn has spawned (sessions_spawn), for the per-turn cap. */
  private readonly spawned = { count: 0 };

  constructor(
    private readonly session: Session,
    private readonly activities: SessionActivities,
    private readonly approvals: Approvals,
    private readonly context: ToolCallContext,
  ) {}

  /** Runs one tool call to its result (a failure is a result the model reads). */
  async call(call: ToolCall): Promise<ToolResult> {
    const { session, context } = this;
    if (session.features.subagents && !session.subagent && call.name === spawnToolSpec.name) {
      const spawned = await spawnSubagent(call, { session, turn: context.turn(), spawnedThisTurn: this.spawned });
      this.used.push({ name: call.name, isError: spawned.isError });
      return spawned;
    }
    if (session.features.messageTool && call.name === messageToolSpec.name) {
      const sent = await sendMessageTool(call, {
        turn: context.turn(),
        route: context.route(),
        allowedTargets: session.settings.messageTargets,
        activities: this.activities,
      });
      this.used.push({ name: call.name, isError: sent.isError });
      return sent;
    }
    return this.callHost(call);
  }

  /** A call the tools host runs; asks the user first when the host's policy says so. */
  private async callHost(call: ToolCall): Promise<ToolResult> {
    const { session, context } = this;
    const failed = (output: string): ToolResult => ({ callId: call.id, name: call.name, output, isError: true });
    const route = context.route();
    const attempt = (approved: boolean): Promise<RunToolOutcome> =>
      this.activities.tools
        .runTool({ sessionKey: session.sessionKey, call, approved, byAgentOwner: context.byAgentOwner(), ...(route ? { route } : {}) })
        .catch((error: unknown) => {
          if (!(error instanceof ActivityFailure) || isCancellation(error)) throw error;
          const reason = error.cause instanceof Error ? error.cause.message : error.message;
          return {
            kind: 'result',
            result: failed(`${call.name} did not finish (${reason}); it may or may not have taken effect — check before trying again`),
            workspaceChanged: true,
          };
        });
    let outcome = await attempt(false);
    if (outcome.kind === 'approvalRequired') {
      const subject = outcome.subject;
      const decision = session.alwaysAllows(subject) ? 'once' : await this.approvals.ask(call.name, subject, route, outcome.ownerOnly === true);
      // What someone other than the agent's owner asked for that only the owner may allow is allowed once at a time.
      if (decision === 'always' && !(outcome.ownerOnly && !context.byAgentOwner())) session.allowAlways(subject);
      if (decision === 'deny') return failed(`the user did not allow running: ${subject}`);
      if (decision === 'timeout') return failed(`no answer from the user within ${session.settings.approvalTimeoutSeconds} s; not run: ${subject}`);
      outcome = await attempt(true);
      if (outcome.kind === 'approvalRequired') return failed(`the tools host still refuses: ${outcome.subject}`);
    }
    if (outcome.workspaceChanged) session.workspace.touched();
    this.used.push({ name: call.name, isError: outcome.result.isError, ...(outcome.artifacts ? { artifacts: outcome.artifacts } : {}) });
    return outcome.result;
  }
}
