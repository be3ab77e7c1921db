import { randomInt } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { writeFileAtomic } from '../fs/atomic-write.js';

const pendingSchema = z.object({ code: z.string(), senderId: z.string(), senderName: z.string().optional(), createdAt: z.string() });
const storeSchema = z.record(z.string(), z.object({ approved: z.array(z.string()).default([]), pending: z.array(pendingSchema).default([]) }));
export type PendingPairing = z.infer<typeof pendingSchema>;

// No 0/O or 1/I: the code is read off a phone and typed into a terminal.
const alphabet = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789';
const codeTtlMs = 60 * 60 * 1000;

/** Who may talk to the agent on each channel under the `pairing` policy: one JSON file, written atomically. */
export class PairingStore {
  constructor(private readonly file: string) {}

  private load(): z.infer<typeof storeSchema> {
    try {
      return storeSchema.parse(JSON.parse(readFileSync(this.file, 'utf8')));
    } catch {
      return {};
    }
  }

  private async save(store: z.infer<typeof storeSchema>): Promise<void> {
    await writeFileAtomic(this.file, `${JSON.stringify(store, null, 2)}\n`);
  }

  isApproved(channel: string, senderId: string): boolean {
    return this.load()[channel]?.approved.includes(senderId) ?? false;
  }

  /** The sender's pairing code: the one already given if still valid (no new code per message), else a new one. */
  async codeFor(channel: string, sender: { id: string; name?: string }, now = new Date()): Promise<{ code: string; isNew: boolean }> {
    const store = this.load();
    const entry = (store[channel] ??= { approved: [], pending: [] });
    entry.pending = entry.pending.filter((p) => now.getTime() - Date.parse(p.createdAt) < codeTtlMs);
    const existing = entry.pending.find((p) => p.senderId === sender.id);
    if (existing) return { code: existing.code, isNew: false };
    const code = Array.from({ length: 8 }, () => alphabet[randomInt(alphabet.length)]).join('');
    entry.pending.push({ code, senderId: sender.id, ...(sender.name ? { senderName: sender.name } : {}), createdAt: now.toISOString() });
    await this.save(store);
    return { code, isNew: true };
  }

  /** Lets the sender with this code in; null when no such code is pending. */
  async approve(channel: string, code: string): Promise<PendingPairing | null> {
    const store = this.load();
    const entry = store[channel];
    const pending = entry?.pending.find((p) => p.code === code.trim().toUpperCase());
    if (!entry || !pending) return null;
    entry.pending = entry.pending.filter((p) => p !== pending);
    if (!entry.approved.includes(pending.senderId)) entry.approved.push(pending.senderId);
    await this.save(store);
    return pending;
  }

  list(): z.infer<typeof storeSchema> {
    return this.load();
  }
}
