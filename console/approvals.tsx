import type { ConsoleApproval, ConsoleDecision, ConsoleFeed } from '../src/contracts/console-feed.js';
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
    </section>
  );
}
