import { useEffect, useMemo, useState } from 'preact/hooks';
import type { ConsoleLogLevel, ConsoleLogLine, ConsoleLogs } from '../src/contracts/console-feed.js';

const order: ConsoleLogLevel[] = ['trace', 'debug', 'info', 'warn', 'error', 'fatal'];
/** The records the page keeps (the server holds as many). */
const kept = 500;

/** The log as it is written: the latest records, then each new one (the server sends what was logged each second). */
function useLog(): { lines: ConsoleLogLine[]; level: string; earlier: number; connected: boolean } {
  const [state, setState] = useState({ lines: [] as ConsoleLogLine[], level: 'info', earlier: 0, connected: false });
  useEffect(() => {
    const source = new EventSource('/api/logs-feed');
    source.addEventListener('feed', (event) => {
      const part = JSON.parse((event as MessageEvent<string>).data) as ConsoleLogs;
      setState((previous) => {
        // A new connection starts the list again (the server may have restarted and counts from 1).
        const lines = part.fresh ? part.lines : [...previous.lines, ...part.lines.filter((l) => l.seq > (previous.lines.at(-1)?.seq ?? 0))];
        const shown = lines.slice(-kept);
        return { lines: shown, level: part.level, earlier: (shown[0]?.seq ?? 1) - 1, connected: true };
      });
    });
    source.onerror = () => setState((previous) => ({ ...previous, connected: false }));
    return () => source.close();
  }, []);
  return state;
}

/** The log of the process serving the console, tailed: filtered by level, by the part that wrote it, by words. */
export function LogsPage() {
  const log = useLog();
  const [level, setLevel] = useState<ConsoleLogLevel>('info');
  const [component, setComponent] = useState('');
  const [words, setWords] = useState('');
  const components = useMemo(() => [...new Set(log.lines.map((l) => l.component))].sort(), [log.lines]);
  const needle = words.trim().toLowerCase();
  const shown = log.lines
    .filter((l) => order.indexOf(l.level) >= order.indexOf(level))
    .filter((l) => !component || l.component === component)
    .filter((l) => !needle || `${l.message} ${l.detail ?? ''}`.toLowerCase().includes(needle))
    .reverse();
  return (
    <section aria-labelledby="logs-title">
      <h1 id="logs-title">Logs</h1>
      <p class="note">
        The log of the process serving this console (with <code>clawflow start</code>: the whole stack), newest first; written at level <code>{log.level}</code>{' '}
        (<code>log.level</code>), the latest {kept} records. The full log is where ClawFlow writes it (its terminal, or the service's journal).
      </p>
      <div class="filters">
        <select aria-label="Level" value={level} onChange={(event) => setLevel(event.currentTarget.value as ConsoleLogLevel)}>
          {order.map((name) => (
            <option value={name}>{name} and above</option>
          ))}
        </select>
        <select aria-label="Component" value={component} onChange={(event) => setComponent(event.currentTarget.value)}>
          <option value="">every part</option>
          {components.map((name) => (
            <option value={name}>{name}</option>
          ))}
        </select>
        <input
          type="search"
          placeholder="Words in the record"
          aria-label="Search the log"
          value={words}
          onInput={(event) => setWords(event.currentTarget.value)}
        />
      </div>
      {shown.length === 0 ? <p class="empty">{log.connected ? 'Nothing logged matches.' : 'Connecting…'}</p> : null}
      <ol class="log" aria-label="Log records">
        {shown.map((line) => (
          <li key={line.seq} class={`log-line log-${line.level}`} data-level={line.level} data-component={line.component}>
            <span class="when">{new Date(line.at).toLocaleTimeString()}</span> <span class="level">{line.level}</span>{' '}
            <span class="component">{line.component}</span> <span class="message">{line.message}</span>
            {line.detail ? <pre class="detail">{line.detail}</pre> : null}
          </li>
        ))}
      </ol>
    </section>
  );
}
