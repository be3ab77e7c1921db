import { CancellationScope, condition, isCancellation, log, uuid4, workflowInfo } from '@temporalio/workflow';
import type { ApprovalAuditRecord } from '../../contracts/approval-audit.js';
import type { ReplyRoute } from '../../contracts/session-records.js';
import { describeZodError } from '../../contracts/zod-issues.js';
import { checkApprovalDecision } from '../input-validation.js';
import type { ApprovalDecision, ApprovalRequest } from '../messages.js';
import type { SessionActivities } from './activities.js';
import { ApprovalReminders } from './approval-reminders.js';
import type { Session } from './session.js';

export type ApprovalOutcome = ApprovalDecision['decision'] | 'timeout';

const shortIdAlphabet = 'abcdefghjkmnpqrstuvwxyz23456789';

/**
 * Tool calls waiting for the user's yes or no (exec under `ask`): the request goes to the chat it came from, and the
 * session waits, durably, for `approval` or the request's end (tools.exec.approvalTtl) — reminding, escalating
 * (approvals.*) and recording how each ended in the audit log, in runs that have `approvalsThatWait`.
 */
export class Approvals {
  readonly pending: ApprovalRequest[] = [];
  private readonly decisions = new Map<string, ApprovalDecision>();

  constructor(
    private readonly session: Session,
    private readonly activities: SessionActivities,
  ) {}

  /** The `approval` signal: an answer to a pending request, or the reason it was refused. */
  answer(raw: unknown): string | null {
    const parsed = checkApprovalDecision(raw);
    if (!parsed.success) return `approval signal refused: ${describeZodError(parsed.error)}`;
    // Typed on a phone, an id may come capitalised: ids are lowercase.
    const requestId = parsed.data.requestId.toLowerCase();
    const request = this.pending.find((a) => a.requestId === requestId);
    if (!request) return `approval for unknown or expired request ${parsed.data.requestId}`;
    // A change to the agent's instructions is the agent owner's to allow, not the conversation owner's.
    if (request.ownerOnly && !parsed.data.byAgentOwner && parsed.data.decision !== 'deny')
      return `approval for ${requestId} refused: only the agent's owner may allow it`;
    this.decisions.set(requestId, parsed.data);
    return null;
  }

  /** A new request id: short and unambiguous (no 0/o, 1/l/i), unique among this session's pending requests. */
  private newRequestId(): string {
    if (!this.session.features.shortApprovalIds) return uuid4();
    for (;;) {
      // Math.random is deterministic in workflow code (seeded per run), so replay makes the same ids.
      const id = Array.from({ length: 6 }, () => shortIdAlphabet[Math.floor(Math.random() * shortIdAlphabet.length)]).join('');
      if (!this.pending.some((a) => a.requestId === id)) return id;
    }
  }

  /**
   * Asks the user to approve a tool call and waits, durably, for the answer or the request's end.
   * @param requestedBy who sent the message the agent was answering (for the audit log).
   */
  async ask(tool: string, subject: string, route: ReplyRoute | undefined, ownerOnly = false, requestedBy?: string): Promise<ApprovalOutcome> {
    const { session } = this;
    const { approvalTimeoutSeconds } = session.settings;
    const requestedAt = new Date();
    const request: ApprovalRequest = {
      requestId: this.newRequestId(),
      tool,
      subject,
      ...(ownerOnly ? { ownerOnly } : {}),
      requestedAt: requestedAt.toISOString(),
      expiresAt: new Date(requestedAt.getTime() + approvalTimeoutSeconds * 1000).toISOString(),
    };
    this.pending.push(request);
    session.awaitingApproval(true);
    log.info('Waiting for the user to approve a tool call', { sessionKey: session.sessionKey, tool, subject, requestId: request.requestId });
    if (route) await this.sendRequest(route, request);
    const decided = () => this.decisions.has(request.requestId);
    // Asked here, when a request is made: a run that never asks records no marker.
    const reminders = session.features.approvalsThatWait ? new ApprovalReminders(session, this.activities.connector, request, route) : null;
    let answered: boolean;
    try {
      answered = reminders ? await reminders.waitFor(decided) : await condition(decided, approvalTimeoutSeconds * 1000);
    } catch (error) {
      // The turn was stopped (/stop, a newer message in queue mode interrupt): the request is withdrawn.
      if (reminders && isCancellation(error)) await CancellationScope.nonCancellable(() => this.audit(request, reminders, requestedBy, undefined));
      throw error;
    } finally {
      this.pending.splice(this.pending.indexOf(request), 1);
    }
    const answer = this.decisions.get(request.requestId);
    this.decisions.delete(request.requestId);
    session.awaitingApproval(false);
    if (reminders) {
      if (!answered) await reminders.tellExpired();
      await this.audit(request, reminders, requestedBy, answered ? answer : 'expired');
    }
    return answered ? answer!.decision : 'timeout';
  }

  /** Records how a request ended in the audit log (`clawflow approvals log`); a failure to write is logged, never the turn's. */
  private async audit(
    request: ApprovalRequest,
    reminders: ApprovalReminders,
    requestedBy: string | undefined,
    ending: ApprovalDecision | 'expired' | undefined,
  ): Promise<void> {
    const answer = typeof ending === 'object' ? ending : undefined;
    const record: ApprovalAuditRecord = {
      at: new Date().toISOString(),
      sessionKey: this.session.sessionKey,
      requestId: request.requestId,
      tool: request.tool,
      subject: request.subject,
      requestedAt: request.requestedAt,
      ...(requestedBy ? { requestedBy } : {}),
      decision: answer ? answer.decision : ending === 'expired' ? 'expired' : 'withdrawn',
      ...(answer?.by ? { decidedBy: answer.by } : {}),
      via: answer ? (answer.via ?? 'api') : ending === 'expired' ? 'deadline' : 'stop',
      reminders: reminders.sent,
      ...(reminders.escalatedTo.length ? { escalatedTo: [...reminders.escalatedTo] } : {}),
    };
    await this.activities.audit.recordApproval(record).catch((error: unknown) => {
      log.error('Could not record an approval in the audit log', { sessionKey: this.session.sessionKey, requestId: request.requestId, error: String(error) });
    });
  }

  private async sendRequest(route: ReplyRoute, request: ApprovalRequest): Promise<void> {
    const id = request.requestId;
    const who = request.ownerOnly ? "\n\nOnly the agent's owner can allow this (channels.<channel>.owners or allowFrom, or clawflow approve)." : '';
    const text = `I'd like to run (${request.tool}):\n${request.subject}\n\nReply /approve ${id} to allow it once, /always ${id} to always allow it, or /deny ${id}.${who}`;
    await this.activities.connector.deliver({ route, text, idempotencyKey: `${workflowInfo().workflowId}:approval:${id}` }).catch((error: unknown) => {
      log.error('Could not deliver an approval request to its channel', { sessionKey: this.session.sessionKey, error: String(error) });
    });
  }
}
