import { randomInt } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import lockfile from 'proper-lockfile';
import { z } from 'zod';
import { writeFileAtomic } from '../../fs/atomic-write.js';

/** A stranger's first message, kept (text only, cut short) to be answered once the owner lets them in. */
const heldSchema = z.object({
  messageId: z.string(),
  route: z.object({ channel: z.string(), account: z.string().optional(), chat: z.string(), thread: z.string().optional(), replyTo: z.string().optional() }),
  text: z.string(),
  sentAt: z.string().optional(),
});
export type HeldMessage = z.infer<typeof heldSchema>;
export const heldTextChars = 2_000;

const pendingSchema = z.object({
  code: z.string(),
  senderId: z.string(),
  senderName: z.string().optional(),
  createdAt: z.string(),
  /** When the sender was last told their code: a stranger gets one reply an hour, however much they write. */
  repliedAt: z.string().optional(),
  held: heldSchema.optional(),
});
const welcomeSchema = z.object({ senderId: z.string(), senderName: z.string().optional(), held: heldSchema.optional() });
const storeSchema = z.record(
  z.string(),
  z.object({
    approved: z.array(z.string()).default([]),
    pending: z.array(pendingSchema).default([]),
    /** Approved senders the connector has yet to tell (and whose held message it has yet to hand over). */
    welcome: z.array(welcomeSchema).default([]),
  }),
);
export type PendingPairing = z.infer<typeof pendingSchema>;
export type PairingWelcome = z.infer<typeof welcomeSchema>;
type Store = z.infer<typeof storeSchema>;

// No 0/O or 1/I: the code is read off a phone and typed into a terminal.
const alphabet = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789';
export const pairingCodeTtlMs = 60 * 60 * 1000;
const replyEveryMs = 60 * 60 * 1000;

/**
 * Who may talk to the agent on each channel under the `pairing` policy: one JSON file, written atomically and under
 * a lock, so the connector (new codes) and the CLI (approvals) never lose each other's changes.
 */
export class PairingStore {
  constructor(
    private readonly file: string,
    private readonly onDamaged?: (message: string) => void,
  ) {}

  /** The store; an unreadable file reads as empty (nobody approved: closed, never open). */
  private load(): Store {
    return this.parse() ?? {};
  }

  private parse(): Store | null {
    try {
      return storeSchema.parse(JSON.parse(readFileSync(this.file, 'utf8')));
    } catch {
      return null;
    }
  }

  /** Reads, changes and writes the store with no other process in between. */
  private async update<T>(change: (store: Store) => { result: T; changed: boolean }): Promise<T> {
    mkdirSync(dirname(this.file), { recursive: true, mode: 0o700 });
    // The lock needs the file to exist.
    try {
      writeFileSync(this.file, '{}\n', { flag: 'wx', mode: 0o600 });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const release = await lockfile.lock(this.file, { retries: { retries: 50, minTimeout: 20, maxTimeout: 200 }, stale: 10_000 });
    try {
      let store = this.parse();
      if (!store) {
        // Damaged (edited by hand, a disk that filled up): kept aside for the user rather than overwritten.
        renameSync(this.file, `${this.file}.damaged-${Date.now()}`);
        this.onDamaged?.(
          `${this.file} could not be read; it was moved aside (${basename(this.file)}.damaged-*) and pairing starts over: approve your senders again, or repair and restore the file`,
        );
        store = {};
      }
      const { result, changed } = change(store);
      if (changed) await writeFileAtomic(this.file, `${JSON.stringify(store, null, 2)}\n`, 0o600);
      return result;
    } finally {
      await release();
    }
  }

  isApproved(channel: string, senderId: string): boolean {
    return this.load()[channel]?.approved.includes(senderId) ?? false;
  }

  /**
   * The sender's pairing code (the one already given while it is valid, else a new one), and whether to tell them now:
   * at most once an hour, so that a flood of messages does not use up the bot's sending quota.
   */
  async codeFor(channel: string, sender: { id: string; name?: string }, held?: HeldMessage, now = new Date()): Promise<{ code: string; reply: boolean }> {
    return this.update((store) => {
      const entry = (store[channel] ??= { approved: [], pending: [], welcome: [] });
      const before = entry.pending.length;
      entry.pending = entry.pending.filter((p) => now.getTime() - Date.parse(p.createdAt) < pairingCodeTtlMs);
      let changed = entry.pending.length !== before;
      let pending = entry.pending.find((p) => p.senderId === sender.id);
      if (!pending) {
        changed = true;
        const code = Array.from({ length: 8 }, () => alphabet[randomInt(alphabet.length)]).join('');
        // Their first message waits for the owner's answer (the ones after it only repeat the question).
        const kept = held
          ? { ...held, text: held.text.length > heldTextChars ? `${held.text.slice(0, heldTextChars)} [… cut short while waiting for pairing]` : held.text }
          : undefined;
        pending = {
          code,
          senderId: sender.id,
          ...(sender.name ? { senderName: sender.name } : {}),
          createdAt: now.toISOString(),
          ...(kept ? { held: kept } : {}),
        };
        entry.pending.push(pending);
      }
      const reply = !pending.repliedAt || now.getTime() - Date.parse(pending.repliedAt) >= replyEveryMs;
      if (reply) pending.repliedAt = now.toISOString();
      return { result: { code: pending.code, reply }, changed: changed || reply };
    });
  }

  /** Lets the sender with this code in; null when no such code is pending (or it expired). */
  async approve(channel: string, code: string, now = new Date()): Promise<PendingPairing | null> {
    return this.update((store) => {
      const entry = store[channel];
      const pending = entry?.pending.find((p) => p.code === code.trim().toUpperCase() && now.getTime() - Date.parse(p.createdAt) < pairingCodeTtlMs);
      if (!entry || !pending) return { result: null, changed: false };
      entry.pending = entry.pending.filter((p) => p !== pending);
      if (!entry.approved.includes(pending.senderId)) entry.approved.push(pending.senderId);
      entry.welcome.push({
        senderId: pending.senderId,
        ...(pending.senderName ? { senderName: pending.senderName } : {}),
        ...(pending.held ? { held: pending.held } : {}),
      });
      return { result: pending, changed: true };
    });
  }

  /**
   * Refuses the sender with this code: the request and the message it held are dropped and they are not let in (a
   * later message of theirs asks again, with a new code). Null when no such code is pending.
   */
  async reject(channel: string, code: string): Promise<PendingPairing | null> {
    return this.update((store) => {
      const entry = store[channel];
      const pending = entry?.pending.find((p) => p.code === code.trim().toUpperCase());
      if (!entry || !pending) return { result: null, changed: false };
      entry.pending = entry.pending.filter((p) => p !== pending);
      return { result: pending, changed: true };
    });
  }

  /** The senders approved and not yet welcomed by the connector. */
  welcomes(channel: string): PairingWelcome[] {
    return this.load()[channel]?.welcome ?? [];
  }

  /** Marks a sender as welcomed (after their held message was handed over: a crash in between repeats, never loses it). */
  async welcomed(channel: string, senderId: string): Promise<void> {
    await this.update((store) => {
      const entry = store[channel];
      const before = entry?.welcome.length ?? 0;
      if (entry) entry.welcome = entry.welcome.filter((w) => w.senderId !== senderId);
      return { result: undefined, changed: (entry?.welcome.length ?? 0) !== before };
    });
  }

  list(): Store {
    return this.load();
  }
}
