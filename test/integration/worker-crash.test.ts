import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { namespaceForFile } from '../helpers/namespace.js';
import { TestStack } from '../helpers/test-stack.js';
import { modelCallHolderPid } from '../helpers/model-call-holder.js';

describe('a worker killed mid-turn', () => {
  let stack: TestStack;

  beforeAll(async () => {
    // A dead worker's activity is noticed after the heartbeat timeout; keep it short so the test is quick.
    stack = await TestStack.start({ namespace: namespaceForFile(import.meta.url), config: { agent: { heartbeatTimeoutSeconds: 2 } } });
  });
  afterAll(() => stack?.stop());

  it('is replaced and the reply arrives exactly once, with nothing duplicated', async () => {
    const key = 'main:test:crash';
    stack.model.setReply((r) => `answer to "${r.messages.at(-1)?.content}" with ${r.messages.length - 1} messages of context`);
    const first = await stack.startWorker();
    await stack.send(key, 'remember: the code word is tulip');

    stack.model.hold();
    const pending = stack.send(key, 'what is the code word?');
    await stack.model.waitForRequests(2);
    await stack.kill(first, 'SIGKILL');
    expect(first.child.signalCode).toBe('SIGKILL');
    // The runtime notices its caller is gone and abandons the model call.
    await expect.poll(() => stack.model.requests[1]!.aborted).toBe(true);
    stack.model.release();

    await stack.startWorker();
    const reply = await pending;
    expect(reply).toMatchObject({ turn: 2, text: 'answer to "what is the code word?" with 3 messages of context' });

    // The model was asked once more for the interrupted turn, never for the finished one.
    const asked = stack.model.lastUserMessages();
    expect(asked.filter((m) => m === 'remember: the code word is tulip')).toHaveLength(1);
    expect(asked.filter((m) => m === 'what is the code word?')).toHaveLength(2);

    const transcript = await stack.waitForTurns(key, 2);
    expect(transcript.map((e) => `${e.turn}:${e.role}`)).toEqual(['1:user', '1:assistant', '2:user', '2:assistant']);

    // The session goes on with its context.
    const third = await stack.send(key, 'thanks');
    expect(third).toMatchObject({ turn: 3, text: 'answer to "thanks" with 5 messages of context' });
  });

  it('moves on within seconds when the worker holding the model call dies while another serves the queue', async () => {
    const key = 'main:test:two-workers';
    const workers = [await stack.startWorker(), await stack.startWorker()];
    stack.model.hold();
    const requests = stack.model.requests.length;
    const pending = stack.send(key, 'who answers?');
    await stack.model.waitForRequests(requests + 1);
    const holderPid = await modelCallHolderPid(stack.client, `session:${key}`);
    process.kill(holderPid, 'SIGKILL');
    const holder = workers.find((w) => w.child.pid === holderPid);
    if (holder) await holder.exited;
    stack.model.release();
    const started = performance.now();
    expect(await pending).toMatchObject({ turn: 1, text: 'answer to "who answers?" with 1 messages of context' });
    // Noticed by the session's workflow task timeout (3 s), not by the start-to-close timeout of the whole call (the
    // turn timeout, minutes): 60 s tells the two apart with room for a loaded machine.
    expect(performance.now() - started).toBeLessThan(60_000);
    expect(
      stack.model
        .lastUserMessages()
        .slice(requests)
        .filter((m) => m === 'who answers?'),
    ).toHaveLength(2);
  });
});
