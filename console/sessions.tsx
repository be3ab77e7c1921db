import { useState } from 'preact/hooks';
import type { ConsoleFeed, ConsoleSession } from '../src/contracts/console-feed.js';
import { ago } from './time.js';

const statusLabels: Record<string, string> = {
  idle: 'idle',
  running: 'running',
  'awaiting-approval': 'awaiting approval',
  stuck: 'stuck',
};

function matches(session: ConsoleSession, text: string, status: string): boolean {
  if (status && session.status !== status) return false;
  const needle = text.trim().toLowerCase();
  return !needle || [session.sessionKey, session.agent, session.channel, session.peer].some((field) => field.toLowerCase().includes(needle));
}

/** Where a session's workflow opens in the Temporal Web UI (null when this stack does not serve it). */
export function workflowLink(feed: ConsoleFeed, sessionKey: string): string | null {
  return feed.workflowLinkPrefix === null ? null : `${feed.workflowLinkPrefix}${encodeURIComponent(sessionKey)}`;
}

/** Every session: what it is, where it talks, how it is doing; searchable, filtered by status. */
export function SessionsPage({ feed }: { feed: ConsoleFeed }) {
  const [text, setText] = useState('');
  const [status, setStatus] = useState('');
  const shown = feed.sessions.filter((session) => matches(session, text, status));
  return (
    <section aria-labelledby="sessions-title">
      <h1 id="sessions-title">Sessions</h1>
      <div class="filters">
        <input
          type="search"
          placeholder="Search key, agent, channel, peer"
          value={text}
          onInput={(e) => setText(e.currentTarget.value)}
          aria-label="Search sessions"
        />
        <select value={status} onChange={(e) => setStatus(e.currentTarget.value)} aria-label="Status">
          <option value="">every status</option>
          {Object.entries(statusLabels).map(([value, label]) => (
            <option value={value}>{label}</option>
          ))}
        </select>
      </div>
      <p class="count">
        {shown.length} of {feed.sessions.length} sessions
      </p>
      <ul class="cards" aria-label="Sessions">
        {shown.map((session) => {
          const link = workflowLink(feed, session.sessionKey);
          return (
            <li class="card" key={session.sessionKey} data-session={session.sessionKey}>
              <div class="card-head">
                <a class="key" href={`#/session/${encodeURIComponent(session.sessionKey)}`}>
                  <code>{session.sessionKey}</code>
                </a>
                <span class={`status status-${session.status}`}>{statusLabels[session.status] ?? session.status}</span>
              </div>
              <dl class="facts">
                <dt>agent</dt>
                <dd>{session.agent || '—'}</dd>
                <dt>channel</dt>
                <dd>{session.channel || '—'}</dd>
                <dt>turns</dt>
                <dd>{session.turns}</dd>
                <dt>last activity</dt>
                <dd>{session.lastActivity ? ago(session.lastActivity, new Date().toISOString()) : '—'}</dd>
              </dl>
              {session.problem ? <p class="problem">{session.problem}</p> : null}
              {link ? (
                <a class="workflow-link" href={link} target="_blank" rel="noreferrer">
                  its workflow in the Temporal Web UI
                </a>
              ) : null}
            </li>
          );
        })}
      </ul>
    </section>
  );
}
