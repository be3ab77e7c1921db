import { render } from 'preact';
import type { ConsoleFeed } from '../src/contracts/console-feed.js';
import { useEffect, useState } from 'preact/hooks';
import { ApprovalsPage } from './approvals.js';
import { useFeed, type Outcome, type Report } from './feed.js';
import { PairingPage } from './pairing.js';
import { SessionsPage } from './sessions.js';

const pages = { sessions: 'Sessions', approvals: 'Approvals', pairing: 'Pairing' } as const;
type Page = keyof typeof pages;

function pageOf(hash: string): Page {
  const name = hash.replace(/^#\/?/, '');
  return name in pages ? (name as Page) : 'sessions';
}

function Shown({ page, feed, report }: { page: Page; feed: ConsoleFeed; report: Report }) {
  if (page === 'approvals') return <ApprovalsPage feed={feed} report={report} />;
  if (page === 'pairing') return <PairingPage feed={feed} report={report} />;
  return <SessionsPage feed={feed} />;
}

function App() {
  const { feed, connected } = useFeed();
  const [page, setPage] = useState<Page>(pageOf(location.hash));
  // What the owner's last actions did, newest first (a card answered leaves its page with the next snapshot).
  const [outcomes, setOutcomes] = useState<Array<Outcome & { id: number }>>([]);
  const report: Report = (outcome) => setOutcomes((previous) => [{ ...outcome, id: Date.now() + Math.random() }, ...previous].slice(0, 5));
  useEffect(() => {
    const follow = (): void => setPage(pageOf(location.hash));
    addEventListener('hashchange', follow);
    return () => removeEventListener('hashchange', follow);
  }, []);
  const waiting: Record<Page, number> = { sessions: 0, approvals: feed?.approvals.length ?? 0, pairing: feed?.pairing.length ?? 0 };
  return (
    <>
      <header>
        <span class="brand">ClawFlow</span>
        <nav>
          {(Object.keys(pages) as Page[]).map((name) => (
            <a href={`#/${name}`} aria-current={page === name ? 'page' : undefined}>
              {pages[name]}
              {waiting[name] ? <span class="badge">{waiting[name]}</span> : null}
            </a>
          ))}
        </nav>
        <span class={connected ? 'live' : 'live offline'}>{connected ? 'live' : 'reconnecting…'}</span>
      </header>
      <main>
        <ul id="outcomes" aria-live="polite">
          {outcomes.map((outcome) => (
            <li key={outcome.id} class={outcome.ok ? 'outcome' : 'error'}>
              {outcome.text}
            </li>
          ))}
        </ul>
        {!feed ? <p class="empty">Loading…</p> : <Shown page={page} feed={feed} report={report} />}
      </main>
    </>
  );
}

render(<App />, document.getElementById('app')!);
