import type { SearchAttributePair } from '@temporalio/common';
import { setCurrentDetails, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import type { parseSessionKey } from '../../contracts/session-key.js';
import type { SessionStatusName } from '../messages.js';
import { sessionSearchAttributes as sa } from '../search-attributes.js';

/** What a session shows outside its state: search attributes (for `sessions list` and the Web UI) and its details line. */
export interface PublishedState {
  readonly sessionKey: string;
  readonly key: ReturnType<typeof parseSessionKey>;
  readonly status: SessionStatusName;
  readonly turns: number;
  readonly runs: number;
  readonly lastActivity: string | null;
  readonly queue: { readonly length: number };
  readonly runtime: { readonly id: string; readonly rotations: number };
}

/**
 * Keeps the search attributes and the Web UI's details current. Runs started before v0.10.0 write every change at
 * once, the identity on its own (they replay as they ran); newer runs write once per workflow task, after its last
 * change, and only the attributes that changed: a turn answered within one task is one visibility write.
 */
export class Publication {
  #due = false;

  constructor(private readonly oncePerTask: boolean) {}

  /** A new session's identity: agent, channel, chat (they never change). */
  introduce(session: PublishedState): void {
    // Newer runs write it with the first state.
    if (!this.oncePerTask) upsertSearchAttributes(identityAttributes(session.key));
  }

  /** The session's state changed. */
  changed(session: PublishedState): void {
    if (!this.oncePerTask) {
      upsertSearchAttributes(stateAttributes(session));
      setCurrentDetails(detailsLine(session));
      return;
    }
    if (this.#due) return;
    this.#due = true;
    // A workflow task ends once its microtasks have run: this one sees the state the task leaves.
    void Promise.resolve().then(() => {
      this.#due = false;
      const changed = [...identityAttributes(session.key), ...stateAttributes(session)].filter((pair) => !alreadyShown(pair));
      if (changed.length) upsertSearchAttributes(changed);
      setCurrentDetails(detailsLine(session));
    });
  }
}

function stateAttributes(session: PublishedState): SearchAttributePair[] {
  return [
    { key: sa.status, value: session.status },
    { key: sa.turns, value: session.turns },
    { key: sa.runtimeSession, value: session.runtime.id },
    { key: sa.rotations, value: session.runtime.rotations },
    ...(session.lastActivity ? [{ key: sa.lastActivity, value: new Date(session.lastActivity) }] : []),
  ];
}

function identityAttributes(key: ReturnType<typeof parseSessionKey>): SearchAttributePair[] {
  return [
    { key: sa.agent, value: key.agent },
    { key: sa.channel, value: key.channel },
    { key: sa.peer, value: key.chat },
  ];
}

/** The run already shows this value (written earlier in the run, or carried over by continue-as-new). */
function alreadyShown(pair: SearchAttributePair): boolean {
  const shown: unknown = workflowInfo().typedSearchAttributes.get(pair.key);
  return pair.value instanceof Date ? shown instanceof Date && shown.getTime() === pair.value.getTime() : shown === pair.value;
}

function detailsLine(session: PublishedState): string {
  return `**${session.sessionKey}** — ${session.status}, ${session.turns} turn(s), ${session.queue.length} queued, run ${session.runs}`;
}
