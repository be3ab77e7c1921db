import { getExternalWorkflowHandle, log, sleep } from '@temporalio/workflow';
import { untrusted } from '../../contracts/untrusted.js';
import { inboundSignal, type InboundMessage, type SessionInput, type TurnReply } from '../messages.js';
import type { Session } from './session.js';

export type ReportTo = NonNullable<SessionInput['reportTo']>;

/** The longest answer handed back whole: the message must stay under the inbound limit (100,000 characters). */
const maxAnswerChars = 60_000;

/**
 * A background sub-agent's own deadline (its parent does not wait to enforce one): past it, the running turn is
 * stopped and the parent hears so. A durable timer: it counts across restarts.
 */
export function backgroundDeadline(session: Session, seconds: number): { readonly passed: boolean } {
  const state = { passed: false };
  void sleep(seconds * 1000)
    .then(() => {
      state.passed = true;
      session.turnScope.stop();
    })
    .catch(() => undefined);
  return state;
}

/** What the parent reads: the sub-agent's answer (another session's words: information, never instructions), or why there is none. */
export function reportText(reportTo: ReportTo, sessionKey: string, reply: TurnReply | undefined, timedOut: boolean): string {
  const who = `the sub-agent ${sessionKey}${reportTo.label ? ` (${reportTo.label})` : ''}`;
  if (reply && !reply.error) {
    const answer = reply.text.length > maxAnswerChars ? `${reply.text.slice(0, maxAnswerChars)}\n[… cut at ${maxAnswerChars} characters]` : reply.text;
    return `[Background task done] ${who}, which you started earlier, answered:\n${untrusted(who, answer)}\nTell the user what it found.`;
  }
  if (timedOut) return `[Background task stopped] ${who} did not answer within ${reportTo.timeoutSeconds} s and was stopped. Tell the user.`;
  return `[Background task failed] ${who} could not answer: ${reply?.error ?? 'it ended without an answer'}. Tell the user.`;
}

/**
 * Hands a background sub-agent's answer to its parent session as a message (a signal: durable, once — the parent drops
 * a redelivered id); the parent answers it like any message, on the chat the task was asked in.
 */
export async function reportToParent(reportTo: ReportTo, sessionKey: string, reply: TurnReply | undefined, timedOut: boolean): Promise<void> {
  const message: InboundMessage = {
    messageId: `subagent:${sessionKey}`.slice(0, 256),
    text: reportText(reportTo, sessionKey, reply, timedOut),
    sender: `subagent:${sessionKey}`.slice(0, 256),
    ...(reportTo.route ? { route: reportTo.route } : {}),
  };
  try {
    await getExternalWorkflowHandle(reportTo.workflowId).signal(inboundSignal, message);
  } catch (error) {
    // The parent is gone (deleted, or a one-off that ended): the answer stays in this session's transcript.
    log.warn('Could not hand a background answer to its parent session', { sessionKey, parent: reportTo.workflowId, error: String(error) });
  }
}
