import type { ConsoleFeed } from '../contracts/console-feed.js';
import type { Logger } from '../logger.js';

/** Whoever wants the feed: called with each new snapshot (as the JSON text sent). */
type Listener = (json: string) => void;

/**
 * The console's live feed: while at least one page listens, a snapshot every `intervalMs`, sent on only when it
 * changed. Nothing is read while nobody looks.
 */
export class ConsoleFeedHub {
  readonly #listeners = new Set<Listener>();
  /** The last snapshot sent (with its time), and the same without the time, to tell a change. */
  #last: string | null = null;
  #lastComparable: string | null = null;
  #timer: NodeJS.Timeout | null = null;
  #reading = false;

  constructor(
    private readonly read: () => Promise<Omit<ConsoleFeed, 'at'>>,
    private readonly intervalMs: number,
    private readonly logger: Logger,
  ) {}

  /** Adds a listener; it gets the latest snapshot at once (if there is one). Returns how to stop listening. */
  listen(listener: Listener): () => void {
    this.#listeners.add(listener);
    if (this.#last !== null) listener(this.#last);
    if (!this.#timer) {
      void this.refresh();
      this.#timer = setInterval(() => void this.refresh(), this.intervalMs);
    }
    return () => {
      this.#listeners.delete(listener);
      if (this.#listeners.size === 0) this.stop();
    };
  }

  /** Reads now (after an action, so that its effect shows without waiting for the next tick). */
  async refresh(): Promise<void> {
    if (this.#reading) return;
    this.#reading = true;
    try {
      const snapshot = await this.read();
      const comparable = JSON.stringify(snapshot);
      if (comparable === this.#lastComparable) return;
      this.#lastComparable = comparable;
      this.#last = JSON.stringify({ ...snapshot, at: new Date().toISOString() } satisfies ConsoleFeed);
      for (const listener of this.#listeners) listener(this.#last);
    } catch (error) {
      this.logger.warn({ err: error }, 'the console could not read the sessions (will try again)');
    } finally {
      this.#reading = false;
    }
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
    this.#last = null;
    this.#lastComparable = null;
  }
}
