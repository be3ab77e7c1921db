import { useEffect, useState } from 'preact/hooks';
import type { ConsoleActionResult, ConsoleApprovalAnswer, ConsoleFeed, ConsolePairingAnswer } from '../src/contracts/console-feed.js';

export type FeedState = { feed: ConsoleFeed | null; connected: boolean };

/** The server's snapshots, as they come (server-sent events; the browser reconnects by itself). */
export function useFeed(): FeedState {
  const [state, setState] = useState<FeedState>({ feed: null, connected: false });
  useEffect(() => {
    const source = new EventSource('/api/feed');
    source.addEventListener('feed', (event) => setState({ feed: JSON.parse((event as MessageEvent<string>).data) as ConsoleFeed, connected: true }));
    source.onerror = () => setState((previous) => ({ ...previous, connected: false }));
    return () => source.close();
  }, []);
  return state;
}

/** Posts an action; the answer says what happened, or why not. */
export async function act(path: string, body: ConsoleApprovalAnswer | ConsolePairingAnswer): Promise<ConsoleActionResult> {
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
export async function actAndReport(path: string, body: ConsoleApprovalAnswer | ConsolePairingAnswer, report: Report): Promise<boolean> {
  const result = await act(path, body);
  report(result.ok ? { ok: true, text: result.message } : { ok: false, text: result.error });
  return result.ok;
}
