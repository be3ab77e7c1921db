import type { ConsolePairing, ConsolePairingAnswer } from '../contracts/console-feed.js';
import { pairingCodeTtlMs, type PairingStore } from '../connectors/inbound/pairing-store.js';
import { ConsoleActionRefused } from './console-server.js';

/** Strangers waiting to be let in (their codes not yet expired), the longest-waiting first. */
export function waitingStrangers(store: PairingStore, now = Date.now()): ConsolePairing[] {
  return Object.entries(store.list())
    .flatMap(([channel, entry]) =>
      entry.pending
        .filter((pending) => now - Date.parse(pending.createdAt) < pairingCodeTtlMs)
        .map((pending) => ({
          channel,
          code: pending.code,
          senderId: pending.senderId,
          ...(pending.senderName ? { senderName: pending.senderName } : {}),
          createdAt: pending.createdAt,
          ...(pending.held ? { heldText: pending.held.text } : {}),
        })),
    )
    .sort((a, b) => a.createdAt.localeCompare(b.createdAt));
}

/** Lets a stranger in (the connector then welcomes them and hands their held message over) or refuses them. */
export async function answerPairing(store: PairingStore, answer: ConsolePairingAnswer): Promise<string> {
  const pending = answer.decision === 'approve' ? await store.approve(answer.channel, answer.code) : await store.reject(answer.channel, answer.code);
  if (!pending)
    throw new ConsoleActionRefused(`no pending pairing code ${answer.code} on ${answer.channel} (it was answered already, or expired after an hour)`);
  const who = pending.senderName ? `${pending.senderName} (${pending.senderId})` : pending.senderId;
  return answer.decision === 'approve' ? `Let in ${who} on ${answer.channel}` : `Refused ${who} on ${answer.channel}`;
}
