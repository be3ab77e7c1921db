/** A message that failed to be handed over this many times is given up, so the chat's later messages are read. */
const attemptsBeforeGivingUp = 5;

/**
 * Failed hand-overs per message, for connectors that read a message again until it is handed over (a spool, a sync
 * position): a passing failure is tried again; one that keeps failing is given up instead of blocking the chat.
 */
export class HandoverAttempts {
  private readonly failures = new Map<string, number>();

  /** This message failed once more: true when it is to be given up now (its count is then forgotten). */
  failed(key: string): boolean {
    const tries = (this.failures.get(key) ?? 0) + 1;
    if (tries < attemptsBeforeGivingUp) {
      this.failures.set(key, tries);
      return false;
    }
    this.failures.delete(key);
    return true;
  }

  /** It was handed over. */
  succeeded(key: string): void {
    this.failures.delete(key);
  }
}
