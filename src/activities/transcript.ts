import type { TranscriptActivities } from '../contracts/activities.js';
import { parseSessionKey } from '../contracts/session-key.js';
import type { JsonlTranscriptStore } from '../transcript/jsonl-store.js';
import type { BudgetGate } from '../usage/budget-gate.js';
import type { UsageLedger } from '../usage/usage-ledger.js';

/**
 * The transcript store's activities; each answer or summary (compaction's own model call) newly written is counted in
 * the usage ledger (when there is one).
 */
export function createTranscriptActivities(store: JsonlTranscriptStore, usage?: { ledger: UsageLedger; budget: BudgetGate }): TranscriptActivities {
  const ledger = usage?.ledger;
  return {
    async appendTranscript(input) {
      const written = await store.append(input.sessionKey, input.entries);
      if (!ledger || !written) return;
      const { agent } = parseSessionKey(input.sessionKey);
      for (const entry of input.entries) {
        if ((entry.role !== 'assistant' && entry.role !== 'summary') || !entry.usage) continue;
        ledger.record({ sessionKey: input.sessionKey, turn: entry.turn, agent, at: entry.at, model: entry.model, ...entry.usage });
      }
    },

    usageReport({ agent }) {
      return Promise.resolve(usage ? usage.budget.report(agent) : ['This worker keeps no usage ledger.']);
    },

    async readTranscriptTail({ sessionKey, turns }) {
      const entries = (await store.read(sessionKey)) ?? [];
      const lastTurn = entries.at(-1)?.turn ?? 0;
      return { lastTurn, entries: entries.filter((e) => e.turn > lastTurn - turns) };
    },
  };
}
