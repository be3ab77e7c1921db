import { ActivityFailure, workflowInfo } from '@temporalio/workflow';
import { z } from 'zod';
import type { ToolCall, ToolResult, ToolSpec } from '../../contracts/agent-runtime.js';
import { parseChatTarget, type ReplyRoute } from '../../contracts/session-records.js';
import { describeZodError } from '../../contracts/zod-issues.js';
import type { SessionActivities } from './activities.js';

/**
 * OpenClaw's `message` tool, answered by the session itself rather than the tools host: a message goes out through
 * the connector's durable `deliver`, keyed by the turn and the call, so it is sent exactly once whatever is retried.
 */
export const messageToolSpec: ToolSpec = {
  name: 'message',
  description:
    'Send a message now, before your answer: a progress note in this chat, or a message to another chat the user allowed (to). Your answer still comes as usual; do not repeat it here.',
  inputSchema: {
    type: 'object',
    properties: {
      text: { type: 'string', description: 'the message' },
      to: { type: 'string', description: 'another chat, as channel:chat (e.g. telegram:123456), one the user allowed; omit for this chat' },
    },
    required: ['text'],
    additionalProperties: false,
  },
};

const messageInput = z
  .object({
    text: z.string().trim().min(1, 'text must not be empty').max(4_000, 'text is longer than 4,000 characters'),
    to: z.string().trim().min(1).optional(),
  })
  .strict();

/** Sends one `message` call; the result says where it went, or why not. */
export async function sendMessageTool(
  call: ToolCall,
  context: { turn: number; route: ReplyRoute | undefined; allowedTargets: readonly string[]; activities: SessionActivities },
): Promise<ToolResult> {
  const result = (output: string, isError: boolean): ToolResult => ({ callId: call.id, name: call.name, output, isError });
  const input = messageInput.safeParse(call.input);
  if (!input.success) return result(`invalid arguments for message: ${describeZodError(input.error, 'input')}`, true);
  const { text, to } = input.data;
  let route = context.route;
  if (to !== undefined) {
    const target = parseChatTarget(to);
    if (!target || !context.allowedTargets.includes(to)) {
      return result(
        `message to "${to}" refused: only this chat${context.allowedTargets.length ? ` and ${context.allowedTargets.join(', ')}` : ''} (tools.message.allowedTargets)`,
        true,
      );
    }
    route = target;
  }
  if (!route) return result('this conversation has no chat to message (it came from the CLI or the API): put it in your answer', true);
  try {
    await context.activities.connector.deliver({ route, text, idempotencyKey: `${workflowInfo().workflowId}:${context.turn}:message:${call.id}` });
  } catch (error) {
    if (!(error instanceof ActivityFailure)) throw error;
    return result(`message not sent: ${error.cause instanceof Error ? error.cause.message : error.message}`, true);
  }
  return result(`sent to ${to ?? 'this chat'}`, false);
}
