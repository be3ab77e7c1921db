import { useState } from 'preact/hooks';
import type { ConsoleConfig } from '../src/contracts/console-feed.js';
import { act, useEventFeed, type Report } from './feed.js';

/**
 * The configuration file: its text with every secret hidden (a placeholder keeps each as it is), saved only when
 * ClawFlow would start with it (the same checks and messages as at start), the old file kept; and what is in effect.
 */
export function ConfigPage({ report }: { report: Report }) {
  const { feed } = useEventFeed<ConsoleConfig>('/api/config-feed');
  // The owner's edit, from the version `base` of the file; null while they have not changed anything (the text then
  // follows the file).
  const [draft, setDraft] = useState<{ text: string; base: string } | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  if (!feed) return <p class="empty">Loading…</p>;
  const text = draft?.text ?? feed.text;
  const save = async (): Promise<void> => {
    setBusy(true);
    const result = await act('/api/config/save', { text, base: draft?.base ?? feed.base });
    setBusy(false);
    if (result.ok) {
      setDraft(null);
      setProblem(null);
      report({ ok: true, text: result.message });
    } else {
      setProblem(result.error);
      report({ ok: false, text: 'Not saved: the configuration has a problem (shown above the file)' });
    }
  };
  return (
    <section aria-labelledby="config-title">
      <h1 id="config-title">Configuration</h1>
      <p class="note">
        <code>{feed.file}</code>, as ClawFlow reads it when it starts. Secrets show as <code>(hidden secret N)</code>: leave one as it is to keep it, or write a
        new value. A save is checked as a start would check it; the old file is kept as <code>.bak</code> beside it.
      </p>
      {feed.problem ? <pre class="error config-problem">The file as it is now cannot be used: {feed.problem}</pre> : null}
      {feed.notInEffect.length ? (
        <p class="advice error not-in-effect">
          Saved but not in effect until ClawFlow restarts (<code>clawflow stop</code>, then <code>clawflow start</code>):{' '}
          {feed.notInEffect.map((path) => (
            <code class="setting">{path}</code>
          ))}
        </p>
      ) : null}
      {draft && draft.base !== feed.base ? (
        <p class="advice error">The file changed on disk while you edited it: Discard to see it as it is (a save would be refused).</p>
      ) : null}
      {problem ? <pre class="error save-problem">{problem}</pre> : null}
      <form
        class="config-editor"
        onSubmit={(event) => {
          event.preventDefault();
          void save();
        }}
      >
        <textarea
          aria-label="Configuration file"
          spellcheck={false}
          rows={24}
          value={text}
          onInput={(event) => setDraft({ text: event.currentTarget.value, base: draft?.base ?? feed.base })}
        />
        <div class="actions">
          <button type="submit" disabled={busy || !draft}>
            Save
          </button>
          <button
            type="button"
            disabled={busy || !draft}
            onClick={() => {
              setDraft(null);
              setProblem(null);
            }}
          >
            Discard changes
          </button>
        </div>
      </form>
      {feed.fromEnvironment.length ? (
        <>
          <h2>Set by the environment (these win over the file)</h2>
          <ul class="from-env">
            {feed.fromEnvironment.map((item) => (
              <li>
                <code>{item.path}</code> ← <code>{item.env}</code>
              </li>
            ))}
          </ul>
        </>
      ) : null}
      {feed.effective ? (
        <details class="effective">
          <summary>The effective configuration (file, environment and defaults; secrets hidden)</summary>
          <pre>{feed.effective}</pre>
        </details>
      ) : null}
    </section>
  );
}
