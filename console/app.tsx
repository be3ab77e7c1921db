import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { ApprovalsPage } from './approvals.js';
import { useFeed } from './feed.js';
import { SessionsPage } from './sessions.js';

const pages = { sessions: 'Sessions', approvals: 'Approvals' } as const;
type Page = keyof typeof pages;

function pageOf(hash: string): Page {
  const name = hash.replace(/^#\/?/, '');
  return name in pages ? (name as Page) : 'sessions';
}

function App() {
  const { feed, connected } = useFeed();
  const [page, setPage] = useState<Page>(pageOf(location.hash));
  useEffect(() => {
    const follow = (): void => setPage(pageOf(location.hash));
    addEventListener('hashchange', follow);
    return () => removeEventListener('hashchange', follow);
  }, []);
  const waiting = feed?.approvals.length ?? 0;
  return (
    <>
      <header>
        <span class="brand">ClawFlow</span>
        <nav>
          {(Object.keys(pages) as Page[]).map((name) => (
            <a href={`#/${name}`} aria-current={page === name ? 'page' : undefined}>
              {pages[name]}
              {name === 'approvals' && waiting ? <span class="badge">{waiting}</span> : null}
            </a>
          ))}
        </nav>
        <span class={connected ? 'live' : 'live offline'}>{connected ? 'live' : 'reconnecting…'}</span>
      </header>
      <main>{!feed ? <p class="empty">Loading…</p> : page === 'approvals' ? <ApprovalsPage feed={feed} /> : <SessionsPage feed={feed} />}</main>
    </>
  );
}

render(<App />, document.getElementById('app')!);
