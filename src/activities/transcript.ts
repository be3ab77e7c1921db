import type { TranscriptEntry } from '../workflows/messages.js';
import type { JsonlTranscriptStore } from '../transcript/jsonl-store.js';

export interface AppendTranscriptInput {
  sessionKey: string;
  entries: TranscriptEntry[];
}

export function createTranscriptActivities(store: JsonlTranscriptStore) {
  return {
    /** Writes a finished turn to the session's transcript; a retry after a successful write adds nothing. */
    async appendTranscript(input: AppendTranscriptInput): Promise<void> {
      await store.append(input.sessionKey, input.entries);
    },
  };
}
