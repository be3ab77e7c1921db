import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MockActivityEnvironment } from '@temporalio/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { createRecordingAgentActivities } from '../../src/activities/invoke-and-record.js';
import { createTranscriptActivities } from '../../src/activities/transcript.js';
import type { InvokeAgentInput, RecordingAgentActivities } from '../../src/contracts/activities.js';
import type { InvocationResult } from '../../src/contracts/agent-runtime.js';
import { answerEntry, emptyTally, tallied, type AnswerDraft } from '../../src/contracts/turn-answer.js';
import { JsonlTranscriptStore } from '../../src/transcript/jsonl-store.js';

const sessionKey = 'main:test:recorded';
const input: InvokeAgentInput = {
  runtimeSessionId: 'clawflow-runtime-recorded-0000000000000',
  invocation: { sessionKey, turn: 3, context: { mode: 'cached', throughTurn: 2 }, messages: [{ messageId: 'm3', content: 'and now?' }], tools: [] },
};
const draft: AnswerDraft = {
  userEntries: [{ turn: 3, role: 'user', text: 'and now?', messageId: 'm3', at: '2026-12-07T10:00:00.000Z' }],
  said: { turn: 3 },
  runtime: { sessionId: input.runtimeSessionId },
  tools: [{ name: 'read', isError: false }],
  // An earlier step of the turn, on the primary, before a tool round.
  tally: tallied(emptyTally(), { model: 'primary', usage: { inputTokens: 100, outputTokens: 7 } }),
};
const reply: InvocationResult = {
  kind: 'reply',
  reply: 'It is done.',
  provider: 'openai-compatible',
  model: 'backup',
  usage: { inputTokens: 120, outputTokens: 5, cachedTokens: 80 },
  failovers: [{ model: 'primary', kind: 'rateLimited' }],
};

/** One call of the activity, as the sessions worker makes it. */
const record = (recording: RecordingAgentActivities): Promise<InvocationResult & { recordedAt?: string }> =>
  new MockActivityEnvironment().run(recording.invokeAgentAndRecord, { ...input, record: draft }) as Promise<InvocationResult & { recordedAt?: string }>;

describe('the model call that writes the answer to the transcript (a local activity of the sessions worker)', () => {
  const dirs: string[] = [];
  const storeIn = (): JsonlTranscriptStore => {
    const dir = mkdtempSync(join(tmpdir(), 'clawflow-recorded-'));
    dirs.push(dir);
    return new JsonlTranscriptStore(dir);
  };
  afterAll(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

  it('writes the turn once, as the session records it, and says when', async () => {
    const store = storeIn();
    let calls = 0;
    const recording = createRecordingAgentActivities({ invokeAgent: () => Promise.resolve(((calls += 1), reply)) }, createTranscriptActivities(store));
    const result = await record(recording);
    expect(result).toMatchObject({ kind: 'reply', reply: 'It is done.', model: 'backup' });
    const at = result.recordedAt!;
    expect(Number.isNaN(Date.parse(at))).toBe(false);
    // The line the session keeps in its own state is built from the same parts: the two agree.
    const answer = answerEntry({ turn: 3, role: 'assistant', text: 'It is done.', at }, { ...draft, tally: tallied(draft.tally, reply) });
    expect(await store.read(sessionKey)).toEqual([...draft.userEntries, answer]);
    expect(answer).toMatchObject({
      model: 'backup',
      failovers: [{ model: 'primary', kind: 'rateLimited' }],
      usage: { inputTokens: 220, outputTokens: 12, cachedTokens: 80 },
      tools: [{ name: 'read', isError: false }],
    });
    // A retried call for the same turn (a worker that died before its task completed) adds nothing.
    await record(recording);
    expect(await store.read(sessionKey)).toHaveLength(2);
    expect(calls).toBe(2);
  });

  it('writes nothing for a round of tool calls: the turn is not answered yet', async () => {
    const store = storeIn();
    const toolCalls: InvocationResult = { kind: 'toolCalls', text: '', toolCalls: [{ id: 'c1', name: 'read', input: {} }], provider: 'p', model: 'primary' };
    const recording = createRecordingAgentActivities({ invokeAgent: () => Promise.resolve(toolCalls) }, createTranscriptActivities(store));
    const result = await record(recording);
    expect(result.recordedAt).toBeUndefined();
    expect(await store.read(sessionKey)).toBeNull();
  });

  it('never asks the model again when the store refuses the line: the session writes it itself', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'clawflow-recorded-'));
    dirs.push(dir);
    // The transcripts "directory" is a file: every append fails.
    const file = join(dir, 'not-a-dir');
    writeFileSync(file, '');
    let calls = 0;
    const recording = createRecordingAgentActivities(
      { invokeAgent: () => Promise.resolve(((calls += 1), reply)) },
      createTranscriptActivities(new JsonlTranscriptStore(file)),
    );
    const result = await record(recording);
    expect(result).toMatchObject({ kind: 'reply', reply: 'It is done.' });
    expect(result.recordedAt).toBeUndefined();
    expect(calls).toBe(1);
  });
});
