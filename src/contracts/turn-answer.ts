// A turn's answer as the transcript keeps it, built by one function wherever it is written: by the session itself, or
// by the sessions worker in the same local activity as the model call that gave it (one step less per turn). Pure and
// workflow-safe (types only from the runtime's contract).
import type { InvocationResult } from './agent-runtime.js';
import type { TranscriptEntry } from './session-records.js';

/** What a turn's model calls have said so far: the model that answered last, those that failed before it, the tokens. */
export interface ModelTally {
  model?: string;
  failovers: Array<{ model: string; kind: string }>;
  usage: { inputTokens: number; outputTokens: number; cachedTokens: number; reported: boolean };
}

export function emptyTally(): ModelTally {
  return { failovers: [], usage: { inputTokens: 0, outputTokens: 0, cachedTokens: 0, reported: false } };
}

/** The tally after one more model call. */
export function tallied(tally: ModelTally, result: Pick<InvocationResult, 'model' | 'failovers' | 'usage'>): ModelTally {
  const usage = result.usage
    ? {
        inputTokens: tally.usage.inputTokens + (result.usage.inputTokens ?? 0),
        outputTokens: tally.usage.outputTokens + (result.usage.outputTokens ?? 0),
        cachedTokens: tally.usage.cachedTokens + (result.usage.cachedTokens ?? 0),
        reported: true,
      }
    : tally.usage;
  return { model: result.model, failovers: [...tally.failovers, ...(result.failovers ?? []).map(({ model, kind }) => ({ model, kind }))], usage };
}

/** What the answer says, and when: the model's words (or why there are none), with the tool rounds before them. */
export type SaidEntry = Pick<TranscriptEntry, 'turn' | 'role' | 'text' | 'at' | 'steps'>;

/** What the turn knows of its answer besides the words. */
export interface AnswerParts {
  runtime: NonNullable<TranscriptEntry['runtime']>;
  tools: NonNullable<TranscriptEntry['tools']>;
  tally: ModelTally;
}

/** The answer's transcript line. */
export function answerEntry(said: SaidEntry, { runtime, tools, tally }: AnswerParts): TranscriptEntry {
  const { usage } = tally;
  return {
    ...said,
    runtime,
    ...(tools.length ? { tools } : {}),
    ...(tally.model ? { model: tally.model } : {}),
    ...(tally.failovers.length ? { failovers: tally.failovers } : {}),
    ...(usage.reported
      ? { usage: { inputTokens: usage.inputTokens, outputTokens: usage.outputTokens, ...(usage.cachedTokens ? { cachedTokens: usage.cachedTokens } : {}) } }
      : {}),
  };
}

/**
 * Sent with a model call that may give the turn's answer: if it does, the sessions worker writes the turn's transcript
 * lines (the user's messages, then the answer, timed by the worker's clock) before returning, and says when (`recordedAt`).
 */
export interface AnswerDraft extends AnswerParts {
  userEntries: TranscriptEntry[];
  /** The turn's number and its pruned tool rounds (when the session keeps them). */
  said: Pick<TranscriptEntry, 'turn' | 'steps'>;
}

/** The lines an answer in words is recorded with, at `at`. */
export function recordedLines(draft: AnswerDraft, result: Extract<InvocationResult, { kind: 'reply' }>, at: string): TranscriptEntry[] {
  const said: SaidEntry = { turn: draft.said.turn, role: 'assistant', text: result.reply, at, ...(draft.said.steps ? { steps: draft.said.steps } : {}) };
  return [...draft.userEntries, answerEntry(said, { runtime: draft.runtime, tools: draft.tools, tally: tallied(draft.tally, result) })];
}
