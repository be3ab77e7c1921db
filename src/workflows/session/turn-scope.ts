import { CancellationScope } from '@temporalio/workflow';

/** The running turn's work (model calls, tool calls), in a scope the user's stop or a newer message cancels. */
export class TurnScope {
  #scope: CancellationScope | null = null;
  #interrupting = false;

  /** Whether a turn's work is running. */
  get running(): boolean {
    return this.#scope !== null;
  }

  /** Whether a newer message is cancelling the running turn (queue mode `interrupt`): the turn gives its messages back. */
  get interrupting(): boolean {
    return this.#interrupting;
  }

  open(): CancellationScope {
    return (this.#scope = new CancellationScope());
  }

  close(): void {
    this.#scope = null;
  }

  /** /stop: cancels the running turn's work; false when nothing runs. */
  stop(): boolean {
    this.#scope?.cancel();
    return this.#scope !== null;
  }

  /** A newer message cancels the running turn (once); false when nothing runs or it is already being interrupted. */
  interrupt(): boolean {
    if (!this.#scope || this.#interrupting) return false;
    this.#interrupting = true;
    this.#scope.cancel();
    return true;
  }

  /** The interrupted turn gave its messages back. */
  interrupted(): void {
    this.#interrupting = false;
  }
}
