import { sleep } from '@temporalio/workflow';
import { BoundedSet } from '../../contracts/bounded-set.js';
import type { QueueMode } from '../../contracts/queue-modes.js';
import type { CarriedState, InboundMessage, QueuedMessage, SessionSettings } from '../messages.js';
import { pushBounded } from './carried-state.js';
import { now } from './clock.js';
import { admitToQueue, droppedNote } from './queue-admission.js';

/** Notes of messages that gave way, kept for the next turn (each at most ~200 characters). */
const droppedNotesKept = 50;

export type Admitted = { outcome: 'queued'; gaveWay: QueuedMessage[] } | { outcome: 'duplicate' } | { outcome: 'full'; reason: string };

/**
 * The messages waiting for their turn, and the ids of those already taken (a redelivery is a duplicate). Bounded when
 * messages arrive (messages.queue); a burst that came during a turn is gathered until it has been quiet.
 */
export class MessageQueue {
  readonly #items: QueuedMessage[];
  readonly #seen: BoundedSet<string>;
  /** How messages that gave way to a full queue began, for the next turn (summarize). */
  readonly #dropped: string[];
  /** When the last message arrived (workflow time), and whether messages came while a turn ran (a burst to gather). */
  #lastArrivalMs = 0;
  #burst = false;

  constructor(
    carried: Pick<CarriedState, 'queue' | 'seenMessageIds' | 'dropped'> | undefined,
    private readonly settings: SessionSettings,
    private readonly bounded: boolean,
    /** Messages that come together are queued in the order they were sent (SessionFeatures.sentOrder). */
    private readonly sentOrder = false,
  ) {
    this.#items = carried?.queue ?? [];
    this.#seen = new BoundedSet(carried?.seenMessageIds ?? [], settings.dedupeWindow);
    this.#dropped = carried?.dropped ?? [];
  }

  get items(): readonly QueuedMessage[] {
    return this.#items;
  }

  hasSeen(messageId: string): boolean {
    return this.#seen.has(messageId);
  }

  /** A message handled outside the queue (a chat command): a redelivery of it is a duplicate. */
  markSeen(messageId: string): void {
    this.#seen.add(messageId);
  }

  /**
   * Takes a new message in: `queued` (with the waiting ones that gave way for it), `duplicate` (a redelivery of one
   * already seen; a caller now waits for one still queued), or `full` with the reason (nothing may give way).
   */
  admit(message: InboundMessage, awaited: boolean, turnRunning: boolean): Admitted {
    const queued = this.#items.find((m) => m.messageId === message.messageId);
    if (queued) {
      queued.awaited ||= awaited;
      return { outcome: 'duplicate' };
    }
    if (this.#seen.has(message.messageId)) return { outcome: 'duplicate' };
    const gaveWay: QueuedMessage[] = [];
    if (this.bounded) {
      const { queueCap: cap, queueMaxChars: maxChars, queueDrop: drop } = this.settings;
      const admission = admitToQueue(this.#items, message, { cap, maxChars, drop });
      if (!admission.admitted) return { outcome: 'full', reason: admission.reason };
      for (const gone of admission.dropped) {
        this.#items.splice(this.#items.indexOf(gone), 1);
        if (drop === 'summarize') pushBounded(this.#dropped, droppedNote(gone), droppedNotesKept);
        gaveWay.push(gone);
      }
    }
    this.#seen.add(message.messageId);
    this.enqueue(message, awaited, turnRunning);
    return { outcome: 'queued', gaveWay };
  }

  /** Puts a message in the queue and notes when it came (a burst gathers until it has been quiet). */
  enqueue(message: InboundMessage, awaited: boolean, turnRunning: boolean): void {
    this.#items.splice(this.placeFor(message), 0, { ...message, receivedAt: now(), awaited });
    this.#lastArrivalMs = Date.now();
    if (turnRunning) this.#burst = true;
  }

  /**
   * Where a new message goes: last, or (sentOrder) before the waiting messages that were sent after it. Temporal hands
   * a session the signals that came while its workflow task was lost before an update that came earlier (a worker
   * died mid-turn): the time each was sent puts them back in the user's order. Messages without one stay in place.
   */
  private placeFor(message: InboundMessage): number {
    let at = this.#items.length;
    if (!this.sentOrder || message.sentAt === undefined) return at;
    const sent = Date.parse(message.sentAt);
    for (; at > 0; at -= 1) {
      const before = this.#items[at - 1]!.sentAt;
      if (before === undefined || Date.parse(before) <= sent) break;
    }
    return at;
  }

  /**
   * The messages the next turn answers: the first waiting one, and in every mode but `followup` those after it from
   * the same chat, up to one that must be handled on its own (`separate`: a /new). A burst that came during the last
   * turn is first given `queueDebounceMs` of quiet, so that its last messages make the same turn.
   */
  async takeBatch(mode: QueueMode, separate: (message: QueuedMessage) => boolean): Promise<QueuedMessage[]> {
    const { queueDebounceMs } = this.settings;
    if (this.#burst && mode !== 'followup') {
      for (let quiet = Date.now() - this.#lastArrivalMs; quiet < queueDebounceMs; quiet = Date.now() - this.#lastArrivalMs) {
        await sleep(queueDebounceMs - quiet);
      }
    }
    this.#burst = false;
    const first = this.#items.shift();
    if (!first) return [];
    if (mode === 'followup' || separate(first)) return [first];
    return [first, ...this.takeFollowing(first, separate)];
  }

  /** Waiting messages from the same chat as `like`, from the head of the queue up to one that must be handled on its own. */
  takeFollowing(like: QueuedMessage, separate: (message: QueuedMessage) => boolean): QueuedMessage[] {
    const taken: QueuedMessage[] = [];
    while (this.#items.length > 0 && !separate(this.#items[0]!) && sameChat(this.#items[0]!, like)) taken.push(this.#items.shift()!);
    return taken;
  }

  /** An interrupted turn's messages go back to the head of the queue, to be answered with the newer ones. */
  giveBack(messages: readonly QueuedMessage[]): void {
    this.#items.unshift(...messages);
  }

  /** The summary of what gave way since the last turn (consumed by it). */
  takeDropped(): string[] {
    return this.#dropped.splice(0);
  }

  has(messageId: string): boolean {
    return this.#items.some((m) => m.messageId === messageId);
  }

  /** Whether a caller (a `send` update) waits for a queued message: it must be answered in this run. */
  someoneWaits(): boolean {
    return this.#items.some((m) => m.awaited);
  }

  /** What the next run takes over. */
  carried(): Pick<CarriedState, 'queue' | 'seenMessageIds' | 'dropped'> {
    return { seenMessageIds: this.#seen.toArray(), queue: this.#items, dropped: this.#dropped };
  }
}

/** Whether two messages came from the same chat (and thread): only those are answered together. */
function sameChat(a: QueuedMessage, b: QueuedMessage): boolean {
  const [x, y] = [a.route, b.route];
  if (!x || !y) return !x && !y;
  return x.channel === y.channel && x.account === y.account && x.chat === y.chat && x.thread === y.thread;
}
