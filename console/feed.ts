import { useEffect, useState } from 'preact/hooks';
import type {
  ConsoleActionResult,
  ConsoleApprovalAnswer,
  ConsoleConfigSave,
  ConsoleFeed,
  ConsoleJobChange,
  ConsoleNewJob,
  ConsoleOwnerMessage,
  ConsolePairingAnswer,
  ConsoleStopTurn,
} from '../src/contracts/console-feed.js';

/** What an action sends. */
type ActionBody = ConsoleApprovalAnswer | ConsolePairingAnswer | ConsoleOwnerMessage | ConsoleStopTurn | ConsoleNewJob | ConsoleJobChange | ConsoleConfigSave;

/** A feed's latest snapshot (undefined until the first comes) and whether it is connected. */
export type FeedState<T> = { feed: T | undefined; connected: boolean };

/** The server's snapshots from `url`, as they come (server-sent events; the browser reconnects by itself). */
export function useEventFeed<T>(url: string): FeedState<T> {
  const [state, setState] = useState<FeedState<T>>({ feed: undefined, connected: false });
  useEffect(() => {
    setState({ feed: undefined, connected: false });
    const source = new EventSource(url);
    source.addEventListener('feed', (event) => setState({ feed: JSON.parse((event as MessageEvent<string>).data) as T, connected: true }));
    source.onerror = () => setState((previous) => ({ ...previous, connected: false }));
    return () => source.close();
  }, [url]);
  return state;
}

/** Everything the pages list. */
export const useFeed = (): FeedState<ConsoleFeed> => useEventFeed<ConsoleFeed>('/api/feed');

/** Posts an action; the answer says what happened, or why not. */
export async function act(path: string, body: ActionBody): Promise<ConsoleActionResult> {
  try {
    const response = await fetch(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    return (await response.json()) as ConsoleActionResult;
  } catch (error) {
    return { ok: false, error: `the console could not be reached (${(error as Error).message})` };
  }
}

/** What became of an action, shown at the top of the page (the card it came from may be gone by then). */
export interface Outcome {
  ok: boolean;
  text: string;
}

export type Report = (outcome: Outcome) => void;

/** Posts an action and reports its outcome; resolves true when it was done. */
export async function actAndReport(path: string, body: ActionBody, report: Report): Promise<boolean> {
  const result = await act(path, body);
  report(result.ok ? { ok: true, text: result.message } : { ok: false, text: result.error });
  return result.ok;
}

/** An action a control takes: `busy` while one runs, `done` once one succeeded (a card then offers no more). */
export function useAction(report: Report): { busy: boolean; done: boolean; run: (path: string, body: ActionBody) => Promise<boolean> } {
  const [busy, setBusy] = useState(false);
  const [done, setDone] = useState(false);
  const run = async (path: string, body: ActionBody): Promise<boolean> => {
    setBusy(true);
    const ok = await actAndReport(path, body, report);
    if (ok) setDone(true);
    setBusy(false);
    return ok;
  };
  return { busy, done, run };
}
