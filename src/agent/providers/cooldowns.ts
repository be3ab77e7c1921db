/** How long a model or key that failed is skipped: `baseMs`, doubling with each failure in a row, at most `maxMs`. */
export interface CooldownPolicy {
  baseMs: number;
  maxMs: number;
}

/** A cooled-down model or key: skipped until `until` (ms since the epoch), after `failures` failures in a row. */
export interface Cooldown {
  until: number;
  failures: number;
}

/**
 * Which models and keys failed lately, so that the next turns go straight to one that works. A success forgets a
 * failure; a snapshot travels with the session (so a restart of the runtime does not forget) and merges back in.
 */
export class Cooldowns {
  readonly #entries = new Map<string, Cooldown>();

  constructor(
    private readonly policy: CooldownPolicy,
    private readonly now: () => number = Date.now,
  ) {}

  /** Whether `id` is being skipped now. */
  cooling(id: string): boolean {
    const entry = this.#entries.get(id);
    return entry !== undefined && entry.until > this.now();
  }

  failed(id: string): Cooldown {
    const failures = (this.#entries.get(id)?.failures ?? 0) + 1;
    const entry = { failures, until: this.now() + Math.min(this.policy.maxMs, this.policy.baseMs * 2 ** (failures - 1)) };
    this.#entries.set(id, entry);
    return entry;
  }

  succeeded(id: string): void {
    this.#entries.delete(id);
  }

  /** What is cooling now (the expired are left out: a success or a new failure decides about them). */
  snapshot(): Record<string, Cooldown> {
    const now = this.now();
    return Object.fromEntries([...this.#entries].filter(([, entry]) => entry.until > now));
  }

  /** Takes in what another holder knew: the later `until` of the two wins. */
  merge(snapshot: Readonly<Record<string, Cooldown>> | undefined): void {
    for (const [id, entry] of Object.entries(snapshot ?? {})) {
      const known = this.#entries.get(id);
      if (!known || entry.until > known.until) this.#entries.set(id, { ...entry });
    }
  }
}
