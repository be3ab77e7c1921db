import type { ConsoleSessionDetail, ConsoleTranscriptEntry } from '../src/contracts/console-feed.js';
import { useState } from 'preact/hooks';
import { actAndReport, useAction, useEventFeed, type Report } from './feed.js';
import { renderMarkdown } from './markdown.js';

const dollars = (usd: number): string => `$${usd.toFixed(4)}`;
const answers = (count: number): string => `${count} answer${count === 1 ? '' : 's'}`;

const roleLabels: Record<ConsoleTranscriptEntry['role'], string> = { user: 'user', assistant: 'agent', error: 'error', summary: 'summary' };

function Entry({ entry }: { entry: ConsoleTranscriptEntry }) {
  return (
    <li class={`entry entry-${entry.role}`} data-turn={entry.turn}>
      {entry.reset ? <p class="note">— a new conversation began here (/new) —</p> : null}
      <div class="entry-head">
        <span class="role">{entry.sender && entry.role === 'user' ? entry.sender : roleLabels[entry.role]}</span>
        <span class="when">
          turn {entry.turn} · {new Date(entry.at).toLocaleString()}
          {entry.model ? ` · ${entry.model}` : ''}
          {entry.usage ? ` · ${entry.usage.inputTokens} in / ${entry.usage.outputTokens} out tokens` : ''}
          {typeof entry.usd === 'number' ? ` · ${dollars(entry.usd)}` : ''}
        </span>
      </div>
      {(entry.calls ?? []).map((call) => (
        <details class={call.isError ? 'call call-error' : 'call'}>
          <summary>
            {call.name}
            {call.isError ? ' (failed)' : ''}
          </summary>
          <pre class="call-input">{call.input}</pre>
          <pre class="call-output">{call.output}</pre>
        </details>
      ))}
      {entry.role === 'assistant' || entry.role === 'summary' ? (
        // Rendered by markdown-it with raw HTML off: the message's own tags stay text.
        <div class="text markdown" dangerouslySetInnerHTML={{ __html: renderMarkdown(entry.text) }} />
      ) : (
        <p class="text plain">{entry.text}</p>
      )}
    </li>
  );
}

/**
 * What the owner does in a session: write to it (as its owner: /new and the like work), stop its turn, compact it,
 * start afresh; and repair it when it is stuck.
 */
function OwnerControls({ sessionKey, busyTurn, stuck, report }: { sessionKey: string; busyTurn: boolean; stuck: boolean; report: Report }) {
  const [text, setText] = useState('');
  const { busy: sending, run } = useAction(report);
  const send = async (message: string): Promise<void> => {
    if (await run('/api/sessions/send', { sessionKey, text: message })) setText('');
  };
  return (
    <form
      class="composer"
      onSubmit={(event) => {
        event.preventDefault();
        void send(text);
      }}
    >
      <textarea
        value={text}
        placeholder="Write to this session as its owner (Ctrl+Enter sends)"
        aria-label="Message"
        rows={3}
        onInput={(event) => setText(event.currentTarget.value)}
        onKeyDown={(event) => {
          if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) {
            event.preventDefault();
            void send(text);
          }
        }}
      />
      <div class="actions">
        <button type="submit" disabled={sending || !text.trim()}>
          Send
        </button>
        <button type="button" class="decision-deny" disabled={!busyTurn} onClick={() => void actAndReport('/api/sessions/stop', { sessionKey }, report)}>
          Stop the turn
        </button>
        <button
          type="button"
          disabled={sending}
          onClick={() => confirm('Start a new conversation? The agent forgets this one (it stays here).') && void send('/new')}
        >
          New conversation
        </button>
        <button type="button" disabled={sending} title="Fold the older turns into the summary now (/compact)" onClick={() => void send('/compact')}>
          Compact
        </button>
        {stuck ? (
          <button
            type="button"
            class="decision-always"
            onClick={() =>
              confirm('Repair this session? Its stuck run ends and a new one goes on from its transcript; unanswered messages are queued again.') &&
              void actAndReport('/api/sessions/repair', { sessionKey }, report)
            }
          >
            Repair
          </button>
        ) : null}
      </div>
    </form>
  );
}

/** One session: its status and what it did, live, and what its owner can do in it. */
export function SessionPage({ sessionKey, workflowLink, report }: { sessionKey: string; workflowLink: string | null; report: Report }) {
  const { feed } = useEventFeed<ConsoleSessionDetail | null>(`/api/session-feed?key=${encodeURIComponent(sessionKey)}`);
  return (
    <section aria-labelledby="session-title">
      <a href="#/sessions">← all sessions</a>
      <h1 id="session-title">
        <code>{sessionKey}</code>
      </h1>
      {workflowLink ? (
        <a class="workflow-link" href={workflowLink} target="_blank" rel="noreferrer">
          its workflow in the Temporal Web UI
        </a>
      ) : null}
      {feed === undefined ? <p class="empty">Loading…</p> : null}
      {feed === null ? <p class="empty">There is no session {sessionKey}.</p> : null}
      {feed ? (
        <>
          <p class="count">
            <span class={`status status-${feed.stuck ? 'stuck' : (feed.status ?? 'ended')}`}>{feed.stuck ? 'stuck' : (feed.status ?? 'not running')}</span> ·{' '}
            {feed.transcript.length} entries
            {feed.earlier ? ` (and ${feed.earlier} earlier: clawflow sessions show prints them all)` : ''}
          </p>
          <p class="count used">
            Used: <span class="used-tokens">{(feed.used.inputTokens + feed.used.outputTokens).toLocaleString('en')}</span> tokens (
            {feed.used.inputTokens.toLocaleString('en')} in, {feed.used.outputTokens.toLocaleString('en')} out) in {answers(feed.used.turns)}, costing{' '}
            <span class="used-cost">{dollars(feed.used.usd)}</span>
            {feed.used.unpriced ? ` and ${answers(feed.used.unpriced)} of a model without a price (model.pricing)` : ''}
          </p>
          {feed.stuck ? (
            <p class="error stuck-why">Stuck: {feed.stuck}. No message of it is answered until it is repaired (Repair, below, or clawflow sessions repair).</p>
          ) : null}
          <ol class="transcript" aria-label="Transcript">
            {feed.transcript.map((entry, index) => (
              <Entry key={`${entry.turn}-${index}`} entry={entry} />
            ))}
          </ol>
          <OwnerControls
            sessionKey={feed.sessionKey}
            busyTurn={feed.status === 'running' || feed.status === 'awaiting-approval'}
            stuck={feed.stuck !== null}
            report={report}
          />
        </>
      ) : null}
    </section>
  );
}
