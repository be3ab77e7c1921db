import type { WorkspaceContext } from '../../contracts/activities.js';

/** The tools and system prompt the tools host offers: described once a run, and again after the agent changed its files. */
export class DescribedWorkspace {
  #current: WorkspaceContext | null = null;
  #changed = false;

  get current(): WorkspaceContext | null {
    return this.#current;
  }

  /** Whether the next turn must ask the tools host to describe it. */
  needed(): boolean {
    return !this.#current || this.#changed;
  }

  /** What the tools host described (null: it did not answer, and is asked again next turn); true when the system prompt changed. */
  described(next: WorkspaceContext | null): boolean {
    const promptChanged = next !== null && this.#current !== null && next.systemPrompt !== this.#current.systemPrompt;
    this.#current = next;
    this.#changed = !next;
    return promptChanged;
  }

  /** The agent (or a tool that may have) changed its files, or the user did by hand: describe it again next turn. */
  touched(): void {
    this.#changed = true;
  }
}
