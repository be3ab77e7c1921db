// How tool calls of earlier turns stay in the context: bounded, not dropped (OpenClaw's pruning: a long result keeps
// its head and tail). Workflow-safe: the session workflow and the agent runtime prune the same way, so a runtime
// session's cache and a full resend show the model the same history.
import type { ChatMessage, ToolCall, ToolStep } from './agent-runtime.js';

/** Results longer than this keep their first and last characters (OpenClaw's softTrim: 4000, 1500, 1500). */
export const prunedOutput = { maxChars: 4_000, headChars: 1_500, tailChars: 1_500 } as const;
/** A string argument longer than this (a file written, a long command) keeps its start. */
const inputValueChars = 1_000;

export function pruneToolOutput(text: string): string {
  if (text.length <= prunedOutput.maxChars) return text;
  const cut = text.length - prunedOutput.headChars - prunedOutput.tailChars;
  return `${text.slice(0, prunedOutput.headChars)}\n[… ${cut.toLocaleString('en')} characters of this earlier tool result left out …]\n${text.slice(-prunedOutput.tailChars)}`;
}

function pruneValue(value: unknown): unknown {
  if (typeof value === 'string')
    return value.length > inputValueChars ? `${value.slice(0, inputValueChars)}[… ${value.length - inputValueChars} more characters]` : value;
  if (Array.isArray(value)) return value.slice(0, 50).map(pruneValue);
  if (value !== null && typeof value === 'object')
    return Object.fromEntries(
      Object.entries(value)
        .slice(0, 50)
        .map(([k, v]) => [k, pruneValue(v)]),
    );
  return value;
}

/** A tool call's arguments, with long strings (a file's content) cut. */
export function pruneToolCall(call: ToolCall): ToolCall {
  return { id: call.id, name: call.name, input: pruneValue(call.input) as Record<string, unknown> };
}

/** A round of tool calls as an earlier turn keeps it: the assistant's words, each call with its (pruned) result. */
export interface PrunedStep {
  text: string;
  calls: Array<{ id: string; name: string; input: Record<string, unknown>; output: string; isError: boolean }>;
}

/** A turn's tool rounds, pruned for the turns after it. A call without a result (never the case in a finished turn) gets an empty one. */
export function pruneSteps(steps: readonly ToolStep[]): PrunedStep[] {
  return steps.map((step) => ({
    text: step.text ?? '',
    calls: step.toolCalls.map((call) => {
      const result = step.results.find((r) => r.callId === call.id);
      return { ...pruneToolCall(call), output: pruneToolOutput(result?.output ?? ''), isError: result?.isError ?? true };
    }),
  }));
}

/** Pruned tool rounds as the model's messages: the assistant's calls, then their results. */
export function stepMessages(steps: readonly PrunedStep[]): ChatMessage[] {
  return steps.flatMap((step): ChatMessage[] => [
    { role: 'assistant', content: step.text, toolCalls: step.calls.map(({ id, name, input }) => ({ id, name, input })) },
    ...step.calls.map((call): ChatMessage => ({ role: 'tool', callId: call.id, name: call.name, content: call.output, isError: call.isError })),
  ]);
}
