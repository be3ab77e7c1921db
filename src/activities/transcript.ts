import type { TranscriptActivities } from '../contracts/activities.js';
import type { JsonlTranscriptStore } from '../transcript/jsonl-store.js';

export function createTranscriptActivities(store: JsonlTranscriptStore): TranscriptActivities {
  return {
    async appendTranscript(input) {
      await store.append(input.sessionKey, input.entries);
    },

    async readTranscriptTail({ sessionKey, turns }) {
      const entries = (await store.read(sessionKey)) ?? [];
      const lastTurn = entries.at(-1)?.turn ?? 0;
      return { lastTurn, entries: entries.filter((e) => e.turn > lastTurn - turns) };
    },
  };
}
