/** Doubling waits between failed polls of a platform (1 s up to 30 s), back to the shortest after a success. */
export class PollBackoff {
  private delay = 1000;

  /** How long the next wait is. */
  get nextMs(): number {
    return this.delay;
  }

  reset(): void {
    this.delay = 1000;
  }

  /** Waits the next delay; a stop (`signal`) ends the wait at once. */
  async wait(signal?: AbortSignal): Promise<void> {
    const delay = this.delay;
    this.delay = Math.min(delay * 2, 30_000);
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, delay);
      signal?.addEventListener(
        'abort',
        () => {
          clearTimeout(timer);
          resolve();
        },
        { once: true },
      );
    });
  }
}
