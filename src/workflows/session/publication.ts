import type { SearchAttributePair } from '@temporalio/common';
import { setCurrentDetails, sleep, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
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
 * change, and only the attributes that changed. Runs of v0.11.0 and later also write at most once per `intervalMs`
 * (session.listRefreshSeconds): a busy session's turn count and last activity catch up within it (a timer writes what
 * is left), while what needs someone — a turn waiting for approval, a turn shown running that has ended — is written at
 * once. Each write is a visibility write on the server, its largest cost in a warm turn.
 */
export class Publication {
  #due = false;
  /** When this run last wrote a turn's count (workflow time), and whether a timer will write what is left. */
  #lastTurnWrite: number | null = null;
  #catchingUp = false;

  constructor(
    private readonly oncePerTask: boolean,
    private readonly intervalMs = 0,
  ) {}

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
      this.#write(session, false);
      setCurrentDetails(detailsLine(session));
    });
  }

  /** Writes what has not been shown yet, now (a run that ends). Runs without an interval have nothing waiting. */
  flush(session: PublishedState): void {
    if (this.oncePerTask && this.intervalMs > 0) this.#write(session, true);
  }

  #write(session: PublishedState, force: boolean): void {
    const changed = [...identityAttributes(session.key), ...stateAttributes(session)].filter((pair) => !alreadyShown(pair));
    if (!changed.length) return;
    // Workflow time only (the same on replay): the interval runs from the last write of a turn's count, so a session's
    // first turn, and a turn after a quiet while, are shown at once.
    const at = Date.now();
    const last = this.#lastTurnWrite;
    if (force || this.intervalMs === 0 || last === null || at - last >= this.intervalMs || changed.some(isUrgent)) {
      upsertSearchAttributes(changed);
      if (changed.some((pair) => pair.key.name === sa.turns.name)) this.#lastTurnWrite = at;
      return;
    }
    if (this.#catchingUp) return;
    this.#catchingUp = true;
    void sleep(last + this.intervalMs - at).then(() => {
      this.#catchingUp = false;
      this.#write(session, true);
    });
  }
}

/** Written at once whatever the interval: whose session it is, and a status other than `running` (a turn that waits for someone, or has ended). */
function isUrgent(pair: SearchAttributePair): boolean {
  if (pair.key.name === sa.status.name) return pair.value !== 'running';
  return pair.key.name === sa.agent.name || pair.key.name === sa.channel.name || pair.key.name === sa.peer.name;
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
