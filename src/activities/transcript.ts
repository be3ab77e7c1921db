import type { TranscriptActivities } from '../contracts/activities.js';
import type { JsonlTranscriptStore } from '../transcript/jsonl-store.js';

export function createTranscriptActivities(store: JsonlTranscriptStore): TranscriptActivities {
  return {
    async appendTranscript(input) {
      await store.append(input.sessionKey, input.entries);
    },
  };
}
