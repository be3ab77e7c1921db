import type { ConsoleSessionDetail, ConsoleTranscriptEntry } from '../src/contracts/console-feed.js';
import { useEventFeed } from './feed.js';
import { renderMarkdown } from './markdown.js';

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

/** One session: its status and what it did, live. */
export function SessionPage({ sessionKey }: { sessionKey: string }) {
  const { feed } = useEventFeed<ConsoleSessionDetail | null>(`/api/session-feed?key=${encodeURIComponent(sessionKey)}`);
  return (
    <section aria-labelledby="session-title">
      <a href="#/sessions">← all sessions</a>
      <h1 id="session-title">
        <code>{sessionKey}</code>
      </h1>
      {feed === undefined ? <p class="empty">Loading…</p> : null}
      {feed === null ? <p class="empty">There is no session {sessionKey}.</p> : null}
      {feed ? (
        <>
          <p class="count">
            <span class={`status status-${feed.status ?? 'ended'}`}>{feed.status ?? 'not running'}</span> · {feed.transcript.length} entries
            {feed.earlier ? ` (and ${feed.earlier} earlier: clawflow sessions show prints them all)` : ''}
          </p>
          <ol class="transcript" aria-label="Transcript">
            {feed.transcript.map((entry, index) => (
              <Entry key={`${entry.turn}-${index}`} entry={entry} />
            ))}
          </ol>
        </>
      ) : null}
    </section>
  );
}
