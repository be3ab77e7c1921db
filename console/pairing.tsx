import type { ConsoleFeed, ConsolePairing, ConsolePairingAnswer } from '../src/contracts/console-feed.js';
import { useAction, type Report } from './feed.js';
import { ago } from './time.js';

function StrangerCard({ stranger, report }: { stranger: ConsolePairing; report: Report }) {
  const { busy, done, run } = useAction(report);
  const answer = (decision: ConsolePairingAnswer['decision']) => run('/api/pairing/answer', { channel: stranger.channel, code: stranger.code, decision });
  return (
    <li class="card" data-code={stranger.code}>
      <div class="card-head">
        <strong>{stranger.senderName ?? stranger.senderId}</strong>
        <span class="when">{ago(stranger.createdAt, new Date().toISOString())}</span>
      </div>
      <dl class="facts">
        <dt>channel</dt>
        <dd>{stranger.channel}</dd>
        <dt>sender</dt>
        <dd>
          <code>{stranger.senderId}</code>
        </dd>
        <dt>code</dt>
        <dd>
          <code>{stranger.code}</code>
        </dd>
      </dl>
      {stranger.heldText ? <blockquote class="held">{stranger.heldText}</blockquote> : null}
      <div class="actions">
        <button type="button" class="decision-once" disabled={busy || done} onClick={() => void answer('approve')}>
          Approve
        </button>
        <button type="button" class="decision-deny" disabled={busy || done} onClick={() => void answer('reject')}>
          Reject
        </button>
      </div>
    </li>
  );
}

/** Strangers who asked to talk to the agent (channels with dmPolicy "pairing"): let them in, or not. */
export function PairingPage({ feed, report }: { feed: ConsoleFeed; report: Report }) {
  return (
    <section aria-labelledby="pairing-title">
      <h1 id="pairing-title">Pairing</h1>
      {feed.pairing.length === 0 ? <p class="empty">Nobody is waiting to be let in.</p> : null}
      <ul class="cards" aria-label="Strangers waiting">
        {feed.pairing.map((stranger) => (
          <StrangerCard key={`${stranger.channel}/${stranger.code}`} stranger={stranger} report={report} />
        ))}
      </ul>
    </section>
  );
}
