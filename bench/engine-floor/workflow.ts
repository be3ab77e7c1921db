// The least a durable conversation can be on Temporal: a workflow per conversation that takes each message as an
// update, makes one side effect for it (a local activity, where ClawFlow calls the model) and waits for the next.
// With `upserts`, each turn also writes search attributes the way a ClawFlow session can: 1 = once after the answer
// (status, turn count, last activity), 2 = also "running" before it — to measure what visibility writes cost.
import { condition, defineUpdate, proxyLocalActivities, setHandler, upsertSearchAttributes } from '@temporalio/workflow';
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

export const sendUpdate = defineUpdate<string, [string]>('send');

const { answer } = proxyLocalActivities<{ answer(text: string): Promise<string> }>({ startToCloseTimeout: '10s' });
const status = defineSearchAttributeKey('ClawflowStatus', SearchAttributeType.KEYWORD);
const turns = defineSearchAttributeKey('ClawflowTurns', SearchAttributeType.INT);
const lastActivity = defineSearchAttributeKey('ClawflowLastActivity', SearchAttributeType.DATETIME);

export async function floorConversation(upserts = 0): Promise<void> {
  let turn = 0;
  setHandler(sendUpdate, async (text) => {
    if (upserts >= 2) upsertSearchAttributes([{ key: status, value: 'running' }]);
    const reply = await answer(text);
    turn += 1;
    if (upserts >= 1)
      upsertSearchAttributes([
        { key: status, value: 'idle' },
        { key: turns, value: turn },
        { key: lastActivity, value: new Date() },
      ]);
    return reply;
  });
  await condition(() => false);
}
