import { log } from '@temporalio/activity';
import type { AgentActivities, RecordingAgentActivities, TranscriptActivities } from '../contracts/activities.js';
import { recordedLines } from '../contracts/turn-answer.js';

/**
 * The model call of a session's turn and, when it answers in words, the turn's transcript lines, in one local activity
 * of the sessions worker: a turn is one step shorter than a call and a separate append (each a round through the
 * workflow's sandbox and a marker in history).
 */
export function createRecordingAgentActivities(
  agent: Pick<AgentActivities, 'invokeAgent'>,
  transcript: Pick<TranscriptActivities, 'appendTranscript'>,
): RecordingAgentActivities {
  return {
    async invokeAgentAndRecord({ record, ...input }) {
      const result = await agent.invokeAgent(input);
      if (result.kind !== 'reply') return result;
      const at = new Date().toISOString();
      try {
        await transcript.appendTranscript({ sessionKey: input.invocation.sessionKey, entries: recordedLines(record, result, at) });
      } catch (error) {
        // Never ask the model again for a line the store refused: the session appends it itself, retrying until it can.
        log.warn('Could not write the transcript with the answer; the session will', { sessionKey: input.invocation.sessionKey, error: String(error) });
        return result;
      }
      return { ...result, recordedAt: at };
    },
  };
}
