import { ActivityFailure, isCancellation, log, workflowInfo } from '@temporalio/workflow';
import type { RunToolOutcome } from '../../contracts/activities.js';
import type { ToolCall, ToolResult } from '../../contracts/agent-runtime.js';
import { formatDuration } from '../../contracts/duration.js';
import type { ReplyRoute, TranscriptEntry } from '../../contracts/session-records.js';
import type { SessionActivities } from './activities.js';
import type { Approvals } from './approvals.js';
import { messageToolSpec, sendMessageTool } from './message-tool.js';
import type { Session } from './session.js';
import { hostWaitSeconds, neverTaken, tellIfHostAway } from './host-wait.js';
import { spawnSubagent, spawnToolSpec } from './subagents.js';

export type ToolUse = NonNullable<TranscriptEntry['tools']>[number];

/** What a turn tells its tool calls: its number, where its newest message came from, and who sent its messages. */
export interface ToolCallContext {
  turn: () => number;
  route: () => ReplyRoute | undefined;
  /** Every message the turn answers (steered ones too) came from the agent's owner. */
  byAgentOwner: () => boolean;
  /** Who sent the turn's newest message (a chat's sender id), for the approvals audit log. */
  sender: () => string | undefined;
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
      const spawned = await spawnSubagent(call, { session, turn: context.turn(), spawnedThisTurn: this.spawned, route: context.route() });
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
    // Asked at the first call to the tools host: a run that makes none records no marker.
    const wait = session.features.toolsWaitForHost ? hostWaitSeconds(session.settings, call.name) : null;
    const tools = wait === null ? this.activities.tools : this.activities.toolsWaitingFor(wait);
    const attempt = (approved: boolean): Promise<RunToolOutcome> => {
      const running = tools
        .runTool({ sessionKey: session.sessionKey, call, approved, byAgentOwner: context.byAgentOwner(), ...(route ? { route } : {}) })
        .catch((error: unknown): RunToolOutcome => {
          if (!(error instanceof ActivityFailure) || isCancellation(error)) throw error;
          if (wait !== null && neverTaken(error)) {
            return {
              kind: 'result',
              result: failed(`${call.name} did not run: its host (the tools worker) was not back within ${formatDuration(wait * 1000)}`),
              workspaceChanged: false,
            };
          }
          const reason = error.cause instanceof Error ? error.cause.message : error.message;
          return {
            kind: 'result',
            result: failed(`${call.name} did not finish (${reason}); it may or may not have taken effect — check before trying again`),
            workspaceChanged: true,
          };
        });
      if (wait === null || !route) return running;
      return tellIfHostAway(
        running,
        () => this.activities.toolsHost.toolsHostPresent(),
        () => this.tellHostAway(call, route, wait),
      );
    };
    let outcome = await attempt(false);
    if (outcome.kind === 'approvalRequired') {
      const subject = outcome.subject;
      const decision = session.alwaysAllows(subject)
        ? 'once'
        : await this.approvals.ask(call.name, subject, route, outcome.ownerOnly === true, context.sender());
      // What someone other than the agent's owner asked for that only the owner may allow is allowed once at a time.
      if (decision === 'always' && !(outcome.ownerOnly && !context.byAgentOwner())) session.allowAlways(subject);
      if (decision === 'deny') return failed(`the user did not allow running: ${subject}`);
      if (decision === 'timeout')
        return failed(
          `no answer from the user within ${formatDuration(session.settings.approvalTimeoutSeconds * 1000)}: the request expired, denied; not run: ${subject}`,
        );
      outcome = await attempt(true);
      if (outcome.kind === 'approvalRequired') return failed(`the tools host still refuses: ${outcome.subject}`);
    }
    if (outcome.workspaceChanged) session.workspace.touched();
    this.used.push({ name: call.name, isError: outcome.result.isError, ...(outcome.artifacts ? { artifacts: outcome.artifacts } : {}) });
    return outcome.result;
  }

  /** The chat hears at once that the call waits for its host (the model can say nothing until the call ends). */
  private async tellHostAway(call: ToolCall, route: ReplyRoute, wait: number): Promise<void> {
    const text = `The machine that runs my tools is not connected right now. ${call.name} will run as soon as it is back (I wait up to ${formatDuration(wait * 1000)}), and then I answer.`;
    await this.activities.connector
      .deliver({ route, text, idempotencyKey: `${workflowInfo().workflowId}:${this.context.turn()}:host-away:${call.id}` })
      .catch((error: unknown) => {
        log.error('Could not tell the chat that a tool call waits for its host', { sessionKey: this.session.sessionKey, error: String(error) });
      });
  }
}
