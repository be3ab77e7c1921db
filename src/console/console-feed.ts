import type { Logger } from '../logger.js';

/** Whoever wants the feed: called with each new snapshot (as the JSON text sent). */
type Listener = (json: string) => void;

/**
 * One live feed of the console (everything the pages list, or one session): while at least one page listens, a
 * snapshot every `intervalMs`, sent on only when it changed. Nothing is read while nobody looks.
 */
export class ConsoleFeedHub<T> {
  readonly #listeners = new Set<Listener>();
  /** The last snapshot sent, as JSON. */
  #last: string | null = null;
  #timer: NodeJS.Timeout | null = null;
  #reading = false;

  constructor(
    private readonly read: () => Promise<T>,
    private readonly intervalMs: number,
    private readonly logger: Logger,
    /** Called when the last listener has gone (and reading stopped). */
    private readonly onIdle: () => void = () => undefined,
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
      if (this.#listeners.size === 0) {
        this.stop();
        this.onIdle();
      }
    };
  }

  /** Reads now (after an action, so that its effect shows without waiting for the next tick). */
  async refresh(): Promise<void> {
    if (this.#reading) return;
    this.#reading = true;
    try {
      const json = JSON.stringify(await this.read());
      if (json === this.#last) return;
      this.#last = json;
      for (const listener of this.#listeners) listener(json);
    } catch (error) {
      this.logger.warn({ err: error }, 'the console could not read what a page shows (will try again)');
    } finally {
      this.#reading = false;
    }
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
    this.#last = null;
  }
}
