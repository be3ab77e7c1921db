import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { summarizerPromptStart } from '../../src/agent/runtime/summarize.js';
import { usageLedgerFile } from '../../src/config/paths.js';
import { parseSessionKey, sessionWorkflowId } from '../../src/contracts/session-key.js';
import type { ModelRequest } from '../helpers/fake-model.js';
import { namespaceForFile } from '../helpers/namespace.js';
import { TestStack } from '../helpers/test-stack.js';

// Small, to make 300 turns compact often; the system prompt and the tool schemas take about half of it.
const contextTokens = 6_000;
const filler = 'We talked about the weather, the train timetable, a recipe for soup and nothing in particular. '.repeat(3);

const isSummaryRequest = (r: ModelRequest): boolean => String(r.messages[0]?.content).startsWith(summarizerPromptStart);
/** What a request costs in characters: its texts and its tools, as the estimate counts them. */
const requestChars = (r: ModelRequest): number =>
  r.messages.reduce((sum, m) => sum + (m.content?.length ?? 0), 0) +
  JSON.stringify((r.tools ?? []).map((t) => (t as unknown as { function: unknown }).function)).length;

/**
 * A model that keeps facts: as a summarizer it answers with every line holding "FACT" that it was shown (the previous
 * summary's and the turns'), once each; as the assistant, with a short acknowledgement.
 */
function factKeepingModel(r: ModelRequest): string {
  if (!isSummaryRequest(r)) return `noted (${r.messages.filter((m) => m.role === 'user').length} user messages in view)`;
  const text = r.messages.map((m) => m.content ?? '').join('\n');
  const facts = [...new Set([...text.matchAll(/FACT: [^.\n]*/g)].map((m) => m[0]))];
  const focus = /The user asks the summary to: (.*)/.exec(text)?.[1];
  return [...facts, ...(focus ? [`(focus: ${focus})`] : [])].join('\n') || 'Nothing to keep.';
}

describe('a context that does not fade: compaction', () => {
  let stack: TestStack;

  beforeAll(async () => {
    stack = await TestStack.start({ namespace: namespaceForFile(import.meta.url), config: { session: { contextTokens, historyTurns: 40 } } });
    stack.model.setReply(factKeepingModel);
    await stack.startWorker();
  });
  afterAll(() => stack?.stop());

  it('keeps a fact from turn 1 in the model request of turn 300, every request under the budget', { timeout: 240_000 }, async () => {
    const key = 'main:test:three-hundred';
    const before = stack.model.requests.length;
    await stack.send(key, `FACT: my locker code is 4711. ${filler}`);
    for (let i = 2; i <= 300; i += 1) await stack.send(key, `Message ${i}. ${filler}`);

    const requests = stack.model.requests.slice(before);
    const turnRequests = requests.filter((r) => !isSummaryRequest(r));
    expect(turnRequests).toHaveLength(300);
    const last = turnRequests.at(-1)!;
    expect(last.messages.at(-1)?.content).toMatch(/^Message 300\./);
    // Turn 1 is long out of the window, but its fact is in the summary the last request carries.
    expect(last.messages.some((m) => m.content === `FACT: my locker code is 4711. ${filler}`)).toBe(false);
    expect(String(last.messages[0]?.content)).toContain('FACT: my locker code is 4711');
    // Every request, the summarizer's too, stays within the conversation's budget (characters / 4 per token).
    const largest = Math.max(...requests.map(requestChars));
    expect(largest / 4).toBeLessThanOrEqual(contextTokens);
    // Compaction ran many times, not once per turn.
    const summaries = requests.filter(isSummaryRequest).length;
    expect(summaries).toBeGreaterThan(5);
    expect(summaries).toBeLessThan(60);

    // The transcript keeps every turn and each summary; /status tells the state of the context.
    const transcript = await stack.storedTranscript(key);
    expect(transcript.filter((e) => e.role === 'user')).toHaveLength(300);
    expect(transcript.filter((e) => e.role === 'summary')).toHaveLength(summaries);
    const status = (await stack.send(key, '/status')).text;
    expect(status).toMatch(
      new RegExp(
        `\\nContext: about [\\d,]+ tokens of 6,000 with the system prompt and tools \\(\\d+ turns word for word; older turns \\(through \\d+\\) as a summary, ${summaries} compactions\\)\\n`,
      ),
    );

    // A session started afresh (terminated here) finds the summary in its transcript.
    await stack.client.workflow.getHandle(sessionWorkflowId(parseSessionKey(key))).terminate('test: start afresh');
    await stack.send(key, 'What is my locker code?');
    expect(String(stack.model.requests.at(-1)!.messages[0]?.content)).toContain('FACT: my locker code is 4711');
  });

  it("keeps an earlier turn's tool call and its result, pruned to head and tail, in later requests", async () => {
    const key = 'main:test:pruned';
    const big = `START ${'x'.repeat(20_000)} END`;
    writeFileSync(join(stack.config.paths.workspaceDir, 'big.txt'), big);
    stack.model.setReply((r) => {
      if (isSummaryRequest(r)) return factKeepingModel(r);
      const last = r.messages.at(-1)!;
      if (last.role === 'user' && last.content === 'read big.txt') return { toolCalls: [{ name: 'read', arguments: { path: 'big.txt' } }] };
      return last.role === 'tool' ? 'it starts with START' : 'fine';
    });
    await stack.send(key, 'read big.txt');
    await stack.send(key, 'and then?');
    const later = stack.model.requests.at(-1)!;
    const result = later.messages.find((m) => m.role === 'tool')!;
    expect(later.messages.map((m) => m.role)).toEqual(['system', 'user', 'assistant', 'tool', 'assistant', 'user']);
    expect(later.messages[2]!.tool_calls).toHaveLength(1);
    expect(result.content).toMatch(/^START x+\n\[… [\d,]+ characters of this earlier tool result left out …\]\nx+/);
    expect(result.content!.length).toBeLessThan(3_200);
    // The tail is the result's own: read says the line went on.
    expect(result.content).toMatch(/characters long; the rest of it is not shown\]$/);
    // The transcript keeps the pruned round too, for a runtime session that must be sent the context in full.
    const answer = (await stack.storedTranscript(key)).find((e) => e.turn === 1 && e.role === 'assistant')!;
    expect(answer.steps?.[0]?.calls[0]).toMatchObject({ name: 'read', input: { path: 'big.txt' }, isError: false });
    stack.model.setReply(factKeepingModel);
  });

  it('compacts on /compact, steered by its instructions, and says what it did', async () => {
    const key = 'main:test:compact-command';
    await stack.send(key, 'FACT: the cat is called Miso.');
    await stack.send(key, 'FACT: the dog is called Tofu.');
    await stack.send(key, 'Anything else?');
    expect((await stack.send(key, '/compact pets only')).text).toBe('Only the owner of this conversation can use /compact.');
    const reply = (await stack.send(key, '/compact pets only', { fromOwner: true })).text;
    expect(reply).toMatch(
      /^Compacted: 2 older turns folded into the summary \(compaction 1 of this conversation\)\. The context is now about [\d,]+ tokens of 6,000 \(it was [\d,]+\)\.$/,
    );
    const summarized = stack.model.requests.filter(isSummaryRequest).at(-1)!;
    expect(summarized.messages.at(-1)?.content).toContain('The user asks the summary to: pets only');
    // The summary's model call is counted in the usage ledger, as the answers are (the fake model reports 10 and 5).
    const summary = (await stack.storedTranscript(key)).find((e) => e.role === 'summary')!;
    const ledger = readFileSync(usageLedgerFile(stack.config.paths), 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as { key?: string; inputTokens?: number; outputTokens?: number });
    expect(ledger.find((line) => line.key === `${key}#${summary.turn}`)).toMatchObject({ inputTokens: 10, outputTokens: 5 });
    await stack.send(key, 'What are the pets called?');
    const system = String(stack.model.requests.at(-1)!.messages[0]?.content);
    expect(system).toContain('FACT: the cat is called Miso');
    expect(system).toContain('(focus: pets only)');
    // /new forgets the summary too.
    await stack.send(key, '/new', { fromOwner: true });
    await stack.send(key, 'Hello again');
    expect(String(stack.model.requests.at(-1)!.messages[0]?.content)).not.toContain('Miso');
  });
});
