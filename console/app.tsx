import { render } from 'preact';
import type { ConsoleFeed } from '../src/contracts/console-feed.js';
import { useEffect, useState } from 'preact/hooks';
import { ApprovalsPage } from './approvals.js';
import { ChannelsPage } from './channels.js';
import { ConfigPage } from './config.js';
import { useFeed, type Outcome, type Report } from './feed.js';
import { LogsPage } from './logs.js';
import { PairingPage } from './pairing.js';
import { SchedulesPage } from './schedules.js';
import { StatusPage } from './status.js';
import { UsagePage } from './usage.js';
import { SessionPage } from './session.js';
import { SessionsPage, workflowLink } from './sessions.js';

const pages = {
  sessions: 'Sessions',
  approvals: 'Approvals',
  pairing: 'Pairing',
  schedules: 'Schedules',
  channels: 'Channels',
  usage: 'Usage',
  logs: 'Logs',
  config: 'Config',
  status: 'Status',
} as const;
type Page = keyof typeof pages;
/** Where the page is: one of the lists, or one session (#/session/<its key>). */
type Place = { page: Page; sessionKey?: string };

function placeOf(hash: string): Place {
  const path = hash.replace(/^#\/?/, '');
  if (path.startsWith('session/')) return { page: 'sessions', sessionKey: decodeURIComponent(path.slice('session/'.length)) };
  return { page: path in pages ? (path as Page) : 'sessions' };
}

function Shown({ place, feed, report }: { place: Place; feed: ConsoleFeed; report: Report }) {
  const { page } = place;
  if (place.sessionKey !== undefined) return <SessionPage sessionKey={place.sessionKey} workflowLink={workflowLink(feed, place.sessionKey)} report={report} />;
  if (page === 'approvals') return <ApprovalsPage feed={feed} report={report} />;
  if (page === 'pairing') return <PairingPage feed={feed} report={report} />;
  if (page === 'schedules') return <SchedulesPage report={report} />;
  if (page === 'channels') return <ChannelsPage />;
  if (page === 'usage') return <UsagePage />;
  if (page === 'logs') return <LogsPage />;
  if (page === 'config') return <ConfigPage report={report} />;
  if (page === 'status') return <StatusPage />;
  return <SessionsPage feed={feed} />;
}

function App() {
  const { feed, connected } = useFeed();
  const [place, setPlace] = useState<Place>(placeOf(location.hash));
  // What the owner's last actions did, newest first (a card answered leaves its page with the next snapshot).
  const [outcomes, setOutcomes] = useState<Array<Outcome & { id: number }>>([]);
  const report: Report = (outcome) => setOutcomes((previous) => [{ ...outcome, id: Date.now() + Math.random() }, ...previous].slice(0, 5));
  useEffect(() => {
    const follow = (): void => setPlace(placeOf(location.hash));
    addEventListener('hashchange', follow);
    // The address may have changed between the first render and now.
    follow();
    return () => removeEventListener('hashchange', follow);
  }, []);
  // On a phone the pages are one row to swipe along: the open one is brought into view.
  useEffect(() => document.querySelector('nav a[aria-current="page"]')?.scrollIntoView({ block: 'nearest', inline: 'nearest' }), [place.page]);
  const waiting: Record<Page, number> = {
    sessions: 0,
    approvals: feed?.approvals.length ?? 0,
    pairing: feed?.pairing.length ?? 0,
    schedules: 0,
    channels: 0,
    usage: 0,
    logs: 0,
    config: 0,
    status: 0,
  };
  return (
    <>
      <header>
        <span class="brand">ClawFlow</span>
        <nav>
          {(Object.keys(pages) as Page[]).map((name) => (
            <a href={`#/${name}`} aria-current={place.page === name ? 'page' : undefined}>
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
        {!feed ? <p class="empty">Loading…</p> : <Shown place={place} feed={feed} report={report} />}
      </main>
    </>
  );
}

render(<App />, document.getElementById('app')!);
