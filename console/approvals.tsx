import { approvalEndingWords } from '../src/contracts/approval-endings.js';
import type { ConsoleApproval, ConsoleApprovalEnded, ConsoleDecision, ConsoleFeed } from '../src/contracts/console-feed.js';
import { useAction, type Report } from './feed.js';
import { ago } from './time.js';

const decisions: Array<{ decision: ConsoleDecision; label: string }> = [
  { decision: 'once', label: 'Allow once' },
  { decision: 'always', label: 'Always' },
  { decision: 'deny', label: 'Deny' },
];

function ApprovalCard({ approval, now, report }: { approval: ConsoleApproval; now: string; report: Report }) {
  const { busy, done, run } = useAction(report);
  const answer = (decision: ConsoleDecision) => run('/api/approvals/answer', { sessionKey: approval.sessionKey, requestId: approval.requestId, decision });
  return (
    <li class="card" data-request={approval.requestId}>
      <div class="card-head">
        <code class="key">{approval.sessionKey}</code>
        <span class="when">{ago(approval.requestedAt, now)}</span>
      </div>
      <p>
        <strong>{approval.tool}</strong> asks to run:
      </p>
      <pre class="subject">{approval.subject}</pre>
      {approval.ownerOnly ? <p class="note">It changes the agent's instructions: only you, its owner, may allow it.</p> : null}
      {approval.expiresAt ? (
        <p class="note">
          Denied {until(approval.expiresAt, now)} without an answer{approval.escalated ? '; your other chats were told of it' : ''}.
        </p>
      ) : null}
      <div class="actions">
        {decisions.map(({ decision, label }) => (
          <button type="button" class={`decision-${decision}`} disabled={busy || done} onClick={() => void answer(decision)}>
            {label}
          </button>
        ))}
      </div>
    </li>
  );
}

/** "in 3 h" / "any moment": how long until `at`. */
function until(at: string, now: string): string {
  const minutes = Math.round((Date.parse(at) - Date.parse(now)) / 60_000);
  if (minutes < 1) return 'any moment';
  if (minutes < 90) return `in ${minutes} min`;
  return `in ${Math.round(minutes / 60)} h`;
}

/** A request that ended: what, how, by whom and through what (the audit log's line). */
function EndedRow({ ended, now }: { ended: ConsoleApprovalEnded; now: string }) {
  const who = ended.decidedBy
    ? ended.decidedBy === ended.via
      ? ended.decidedBy
      : `${ended.decidedBy} (${ended.via})`
    : ended.via === 'deadline'
      ? 'its deadline'
      : 'a stop';
  return (
    <li class="ended" data-request={ended.requestId}>
      <div class="card-head">
        <code class="key">{ended.sessionKey}</code>
        <span class="when">{ago(ended.at, now)}</span>
      </div>
      <p>
        <strong>{ended.tool}</strong>: <code>{ended.subject.length > 120 ? `${ended.subject.slice(0, 119)}…` : ended.subject}</code>
      </p>
      <p class="note">
        {approvalEndingWords[ended.decision]} by {who}
        {ended.reminders ? `, after ${ended.reminders} reminder${ended.reminders === 1 ? '' : 's'}` : ''}
        {ended.escalatedTo?.length ? `, escalated to ${ended.escalatedTo.join(', ')}` : ''}
      </p>
    </li>
  );
}

/** Every request waiting for the owner's answer: whose, which tool, exactly what. */
export function ApprovalsPage({ feed, report }: { feed: ConsoleFeed; report: Report }) {
  return (
    <section aria-labelledby="approvals-title">
      <h1 id="approvals-title">Approvals</h1>
      {feed.approvals.length === 0 ? <p class="empty">Nothing is waiting for your answer.</p> : null}
      <ul class="cards" aria-label="Waiting approvals">
        {feed.approvals.map((approval) => (
          <ApprovalCard key={`${approval.sessionKey}/${approval.requestId}`} approval={approval} now={new Date().toISOString()} report={report} />
        ))}
      </ul>
      {feed.decided.length ? (
        <>
          <h2>Decided lately</h2>
          <ul class="cards" aria-label="Decided approvals">
            {feed.decided.map((ended) => (
              <EndedRow key={`${ended.sessionKey}/${ended.requestId}/${ended.requestedAt}`} ended={ended} now={new Date().toISOString()} />
            ))}
          </ul>
          <p class="note">
            All of them: <code>clawflow approvals log</code>.
          </p>
        </>
      ) : null}
    </section>
  );
}
