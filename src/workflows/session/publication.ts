import { setCurrentDetails, upsertSearchAttributes } from '@temporalio/workflow';
import type { parseSessionKey } from '../../contracts/session-key.js';
import type { SessionStatusName } from '../messages.js';
import { sessionSearchAttributes as sa } from '../search-attributes.js';

/** What a session shows outside its state: search attributes (for `sessions list` and the Web UI) and its details line. */
export interface PublishedState {
  readonly sessionKey: string;
  readonly status: SessionStatusName;
  readonly turns: number;
  readonly runs: number;
  readonly lastActivity: string | null;
  readonly queue: { readonly length: number };
  readonly runtime: { readonly id: string; readonly rotations: number };
}

/** Keeps the search attributes and the Web UI's details current. */
export function publishState(session: PublishedState): void {
  upsertSearchAttributes([
    { key: sa.status, value: session.status },
    { key: sa.turns, value: session.turns },
    { key: sa.runtimeSession, value: session.runtime.id },
    { key: sa.rotations, value: session.runtime.rotations },
    ...(session.lastActivity ? [{ key: sa.lastActivity, value: new Date(session.lastActivity) }] : []),
  ]);
  setCurrentDetails(`**${session.sessionKey}** — ${session.status}, ${session.turns} turn(s), ${session.queue.length} queued, run ${session.runs}`);
}

/** The attributes only a new session sets: they never change. */
export function publishIdentity(key: ReturnType<typeof parseSessionKey>): void {
  upsertSearchAttributes([
    { key: sa.agent, value: key.agent },
    { key: sa.channel, value: key.channel },
    { key: sa.peer, value: key.chat },
  ]);
}
