import type { ConsoleCheck } from '../src/contracts/console-feed.js';
import { useEventFeed } from './feed.js';

const marks = { ok: '✓', warn: '!', fail: '✗' } as const;

/** The stack as `clawflow status` checks it, every 10 s while the page is open: each part, and what to do when one is not ok. */
export function StatusPage() {
  const { feed } = useEventFeed<ConsoleCheck[]>('/api/status-feed');
  return (
    <section aria-labelledby="status-title">
      <h1 id="status-title">Status</h1>
      {feed === undefined ? <p class="empty">Checking…</p> : null}
      <ul class="checks" aria-label="Checks">
        {(feed ?? []).map((finding) => (
          <li class={`check check-${finding.verdict}`} data-check={finding.check} data-verdict={finding.verdict}>
            <span class="mark" aria-label={finding.verdict}>
              {marks[finding.verdict]}
            </span>
            <strong>{finding.check}</strong>
            <span class="detail">{finding.detail}</span>
          </li>
        ))}
      </ul>
    </section>
  );
}
