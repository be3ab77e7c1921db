import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { temporal } from '@temporalio/proto';
import { namespaceForFile } from '../helpers/namespace.js';
import { TestStack } from '../helpers/test-stack.js';
import { statusQuery } from '../../src/workflows/messages.js';
import { sessionSearchAttributes as sa } from '../../src/workflows/search-attributes.js';

type Event = temporal.api.history.v1.IHistoryEvent;

/** What a session's history shows of its turns: workflow tasks completed, activities scheduled by type, markers. */
function shape(events: Event[]): { workflowTasks: number; activities: string[]; markers: number } {
  return {
    workflowTasks: events.filter((e) => e.workflowTaskCompletedEventAttributes).length,
    activities: events.flatMap((e) => (e.activityTaskScheduledEventAttributes ? [e.activityTaskScheduledEventAttributes.activityType!.name!] : [])),
    markers: events.filter((e) => e.markerRecordedEventAttributes?.markerName === 'core_local_activity').length,
  };
}

describe('where a session calls the agent runtime (agent.callsInWorker)', () => {
  let stack: TestStack;

  beforeAll(async () => {
    stack = await TestStack.start({ namespace: namespaceForFile(import.meta.url) });
    await stack.startWorker();
  });
  afterAll(() => stack?.stop());

  async function twoTurns(key: string): Promise<ReturnType<typeof shape>> {
    stack.model.setReply((r) => `answer to "${r.messages.at(-1)?.content}" with ${r.messages.length - 1} messages of context`);
    await stack.send(key, 'remember: the colour is teal');
    const handle = stack.client.workflow.getHandle(`session:${key}`);
    const before = (await handle.fetchHistory()).events!.length;
    expect(await stack.send(key, 'what colour?')).toMatchObject({ turn: 2, text: 'answer to "what colour?" with 3 messages of context' });
    await stack.waitForTurns(key, 2);
    return shape((await handle.fetchHistory()).events!.slice(before));
  }

  it('by default in the session worker: a turn is one workflow task, with no trip through a task queue', async () => {
    const turn = await twoTurns('main:test:in-worker');
    expect(turn.activities).toEqual([]);
    expect(turn.workflowTasks).toBe(1);
    // One local activity: the model call, which writes the transcript line with the answer.
    expect(turn.markers).toBe(1);
  });

  it('starts a new session in one workflow task when the worker is also the tools host, recording one version marker', async () => {
    const key = 'main:test:new-in-worker';
    stack.model.setReply(() => 'hello');
    await stack.send(key, 'hi');
    await stack.waitForTurns(key, 1);
    const handle = stack.client.workflow.getHandle(`session:${key}`);
    const events = (await handle.fetchHistory()).events!;
    // The workspace is described by this worker (a local activity), not through the tools task queue.
    expect(shape(events)).toMatchObject({ activities: [], workflowTasks: 1 });
    expect(events.filter((e) => e.markerRecordedEventAttributes?.markerName === 'core_patch')).toHaveLength(1);
    // The model was offered the tools host's tools and its system prompt.
    const request = stack.model.requests.at(-1)!;
    expect(request.tools?.map((tool) => tool.function.name)).toContain('exec');
    expect(request.messages[0]).toMatchObject({ role: 'system' });
    // What `sessions list` and the Web UI show: whose session it is, and its state after the turn.
    const shown = (await handle.describe()).typedSearchAttributes;
    expect([shown.get(sa.agent), shown.get(sa.channel), shown.get(sa.peer), shown.get(sa.status), shown.get(sa.turns)]).toEqual([
      'main',
      'test',
      'new-in-worker',
      'idle',
      1,
    ]);
  });

  it('writes what sessions list shows of a busy session at most once per session.listRefreshSeconds, and catches up', async () => {
    const key = 'main:test:busy';
    stack.config.session.listRefreshSeconds = 5;
    try {
      stack.model.setReply(() => 'ok');
      await stack.send(key, 'first');
      const handle = stack.client.workflow.getHandle(`session:${key}`);
      const before = (await handle.fetchHistory()).events!.length;
      for (let turn = 2; turn <= 6; turn += 1) await stack.send(key, `message ${turn}`);
      const shown = async () => (await handle.describe()).typedSearchAttributes;
      // The ended turns never show as running, and the five turns wrote at most twice (once if they took less than
      // the interval), where each used to write twice (running, then idle).
      expect((await shown()).get(sa.status)).toBe('idle');
      const writes = (await handle.fetchHistory()).events!.slice(before).filter((e) => e.upsertWorkflowSearchAttributesEventAttributes);
      expect(writes.length).toBeLessThanOrEqual(2);
      // Within the interval, the count and the last activity catch up (a timer writes what was left).
      await expect.poll(async () => (await shown()).get(sa.turns), { timeout: 15_000, interval: 250 }).toBe(6);
      const { lastActivity } = await handle.query(statusQuery);
      expect((await shown()).get(sa.lastActivity)?.toISOString()).toBe(lastActivity);
    } finally {
      stack.config.session.listRefreshSeconds = 15;
    }
  });

  it('still hears /stop during a long model call in the worker, within seconds', async () => {
    const key = 'main:test:stop-in-worker';
    stack.model.hold();
    try {
      const requests = stack.model.requests.length;
      const pending = stack.send(key, 'take your time').then(
        () => null,
        (error: unknown) => error,
      );
      await stack.model.waitForRequests(requests + 1);
      // Well past the first workflow task heartbeat: the call has been running a while.
      await new Promise((resolve) => setTimeout(resolve, 3000));
      const asked = performance.now();
      expect(await stack.send(key, '/stop', { fromOwner: true })).toMatchObject({ text: 'Stopping the turn that was running.' });
      // The stopped turn's caller is answered with the failure.
      expect(await pending).toMatchObject({ cause: { message: 'Stopped at your request; what was running was cancelled.' } });
      // The workflow task is heartbeated every 2.4 s (80% of the session's 3 s timeout): /stop waits about that. The
      // held model call never ends by itself, so any bound proves /stop did not wait for it; 10 s leaves room for a
      // loaded machine.
      expect(performance.now() - asked).toBeLessThan(10_000);
    } finally {
      stack.model.release();
    }
  });

  it('through the agent task queue when callsInWorker is off (session workers that cannot reach the runtime)', async () => {
    stack.config.agent.callsInWorker = false;
    try {
      const turn = await twoTurns('main:test:agent-queue');
      expect(turn.activities).toEqual(['invokeAgent']);
      expect(turn.workflowTasks).toBe(2);
    } finally {
      stack.config.agent.callsInWorker = true;
    }
  });
});
