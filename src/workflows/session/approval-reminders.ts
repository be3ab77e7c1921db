import { condition, log, workflowInfo } from '@temporalio/workflow';
import type { ConnectorActivities } from '../../contracts/activities.js';
import { formatDuration } from '../../contracts/duration.js';
import { parseChatTarget, type ReplyRoute } from '../../contracts/session-records.js';
import type { ApprovalRequest } from '../messages.js';
import type { Session } from './session.js';

/**
 * One approval request's wait, on durable timers: a reminder to the chat that asked every approvals.remindEvery, the
 * owner's other chats told after approvals.escalateAfter (they may answer it there), and the end at
 * tools.exec.approvalTtl. A request made before a restart keeps its times: they count from when it was asked.
 */
export class ApprovalReminders {
  /** Reminders sent so far. */
  sent = 0;
  /** The chats it was escalated to ("channel:chat"). */
  readonly escalatedTo: string[] = [];
  private escalated = false;

  constructor(
    private readonly session: Session,
    private readonly connector: Pick<ConnectorActivities, 'deliver'>,
    private readonly request: ApprovalRequest,
    private readonly route: ReplyRoute | undefined,
  ) {}

  /** Waits for `decided` until the request's end; true when it was decided. */
  async waitFor(decided: () => boolean): Promise<boolean> {
    const { settings } = this.session;
    const start = Date.parse(this.request.requestedAt);
    const ttl = settings.approvalTimeoutSeconds * 1000;
    const remindEvery = (settings.approvalRemindSeconds ?? 0) * 1000;
    const escalateAt = settings.approvalEscalateTo?.length ? (settings.approvalEscalateAfterSeconds ?? 3600) * 1000 : Infinity;
    for (;;) {
      const nextReminder = remindEvery > 0 ? (this.sent + 1) * remindEvery : Infinity;
      const next = Math.min(ttl, nextReminder, this.escalated ? Infinity : escalateAt);
      if (await condition(decided, Math.max(1, start + next - Date.now()))) return true;
      if (next >= ttl) return false;
      if (!this.escalated && next >= escalateAt) await this.escalate();
      if (next >= nextReminder) await this.remind();
    }
  }

  /** Tells the chats that were asked that the request ended unanswered: denied, not run. */
  async tellExpired(): Promise<void> {
    const { requestId, tool, subject } = this.request;
    const ttl = formatDuration(this.session.settings.approvalTimeoutSeconds * 1000);
    await this.tell('expired', () => `Approval ${requestId} expired after ${ttl} without an answer: denied, not run (${tool}):\n${subject}`);
  }

  private async remind(): Promise<void> {
    this.sent += 1;
    const { tool, subject } = this.request;
    const left = formatDuration(Math.max(0, Date.parse(this.request.expiresAt) - Date.now()));
    await this.tell(
      `reminder-${this.sent}`,
      (elsewhere) => `Still waiting for your answer (${tool}):\n${subject}\n\n${this.answers(elsewhere)}\nIt is denied in ${left} without one.`,
    );
  }

  private async escalate(): Promise<void> {
    this.escalated = true;
    this.request.escalated = true;
    const { requestId, tool, subject } = this.request;
    const waited = formatDuration(Math.max(0, Date.now() - Date.parse(this.request.requestedAt)));
    const left = formatDuration(Math.max(0, Date.parse(this.request.expiresAt) - Date.now()));
    const text = `${this.session.sessionKey} has waited ${waited} for an approval (${tool}):\n${subject}\n\nAs the agent's owner you may answer it here. ${this.answers(true)}\nIt is denied in ${left} without an answer.`;
    for (const target of this.session.settings.approvalEscalateTo ?? []) {
      const route = parseChatTarget(target);
      if (!route) continue;
      this.escalatedTo.push(target);
      await this.deliver(route, `escalation:${target}`, text);
    }
    log.info('Escalated an approval request', { sessionKey: this.session.sessionKey, requestId, to: this.escalatedTo });
  }

  /** How to answer; from another chat the answer names the session. */
  private answers(elsewhere: boolean): string {
    const id = elsewhere ? `${this.request.requestId} ${this.session.sessionKey}` : this.request.requestId;
    return `Reply /approve ${id} to allow it once, /always ${id} to always allow it, or /deny ${id}.`;
  }

  /** To the chat that asked, and to the chats it was escalated to (`text(true)`: the words for another chat). */
  private async tell(what: string, text: (elsewhere: boolean) => string): Promise<void> {
    if (this.route) await this.deliver(this.route, what, text(false));
    for (const target of this.escalatedTo) await this.deliver(parseChatTarget(target)!, `${what}:${target}`, text(true));
  }

  private async deliver(route: ReplyRoute, what: string, text: string): Promise<void> {
    const idempotencyKey = `${workflowInfo().workflowId}:approval:${this.request.requestId}:${what}`;
    await this.connector.deliver({ route, text, idempotencyKey }).catch((error: unknown) => {
      log.error('Could not deliver an approval notice', { sessionKey: this.session.sessionKey, requestId: this.request.requestId, what, error: String(error) });
    });
  }
}
