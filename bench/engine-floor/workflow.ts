// The least a durable conversation can be on Temporal: a workflow per conversation that takes each message as an
// update, makes one side effect for it (a local activity, where ClawFlow calls the model) and waits for the next.
import { condition, defineUpdate, proxyLocalActivities, setHandler } from '@temporalio/workflow';

export const sendUpdate = defineUpdate<string, [string]>('send');

const { answer } = proxyLocalActivities<{ answer(text: string): Promise<string> }>({ startToCloseTimeout: '10s' });

export async function floorConversation(): Promise<void> {
  setHandler(sendUpdate, (text) => answer(text));
  await condition(() => false);
}
