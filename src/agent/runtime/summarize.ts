import type { HistoryTurn, SummarizeRequest, SummaryResult } from '../../contracts/agent-runtime.js';
import type { ModelProvider } from '../providers/provider.js';
import type { TurnOptions } from './agent-turn.js';

/** The marker a summary request's system prompt begins with (a test's scripted model recognises it). */
export const summarizerPromptStart = 'You keep the running summary of a conversation';

const summarizerPrompt = `${summarizerPromptStart} between a user and their personal assistant, so that the assistant can carry on once the older turns are out of its view.
Rewrite the previous summary with the new turns folded in: one summary, not a summary appended to a summary.
Keep: what the user told about themselves and their world (names, preferences, facts), decisions made and corrections (the latest word wins), tasks and questions still open, promises the assistant made, and exact identifiers (file names, paths, URLs, numbers, dates, codes) as written.
Drop small talk and anything superseded. Write plain sentences or short bullet points, in the language of the conversation.
Answer with the summary only.`;

/** The turns to fold in, as one readable text (tool calls and results named, not replayed). */
function renderTurns(history: HistoryTurn[]): string {
  return history
    .map((turn) =>
      turn.messages
        .map((m) => {
          if (m.role === 'tool') return `Tool result, ${m.name}${m.isError ? ' (failed)' : ''}: ${m.content}`;
          if ('toolCalls' in m) return `Assistant (turn ${turn.turn}) called: ${m.toolCalls.map((c) => `${c.name} ${JSON.stringify(c.input)}`).join('; ')}`;
          return `${m.role === 'user' ? 'User' : 'Assistant'} (turn ${turn.turn}): ${m.content}`;
        })
        .join('\n'),
    )
    .join('\n\n');
}

/** Compaction on the runtime: one model call, no tools, no session context (the request carries everything). */
export async function summarizeConversation(provider: ModelProvider, request: SummarizeRequest['summarize'], options: TurnOptions): Promise<SummaryResult> {
  const parts = [
    request.previousSummary ? `Summary so far:\n${request.previousSummary}` : 'There is no summary yet.',
    `Turns to fold in:\n${renderTurns(request.history)}`,
    ...(request.instructions ? [`The user asks the summary to: ${request.instructions}`] : []),
    `Write the new summary in at most ${request.maxChars.toLocaleString('en')} characters.`,
  ];
  const completion = await provider.complete(
    { system: summarizerPrompt, messages: [{ role: 'user', content: parts.join('\n\n') }], tools: [], toolsAllowed: false },
    { signal: options.signal },
  );
  const text = completion.text.trim();
  const summary = text.length > request.maxChars ? `${text.slice(0, request.maxChars - 1)}…` : text;
  return { kind: 'summary', summary, provider: provider.name, model: provider.model, ...(completion.usage ? { usage: completion.usage } : {}) };
}
