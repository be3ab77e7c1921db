import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sessionWorkflowId, parseSessionKey } from '../../src/contracts/session-key.js';
import { heard } from '../helpers/fake-model.js';
import { namespaceForFile } from '../helpers/namespace.js';
import { TestStack } from '../helpers/test-stack.js';

/** What the Web UI's Stack Trace tab shows for a session: the SDK's stack-trace query. */
const stackOf = (stack: TestStack, key: string): Promise<string> =>
  stack.client.workflow.getHandle(sessionWorkflowId(parseSessionKey(key))).query<string>('__stack_trace');

describe('workflow stack traces (temporal.workflowStackTraces)', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await TestStack.start({ namespace: namespaceForFile(import.meta.url) });
    stack.model.setReply(heard);
  });
  afterAll(() => stack?.stop());

  it('are not recorded by default (a fifth of a warm turn), and a session still answers, stops and goes on', async () => {
    const worker = await stack.startWorker();
    expect((await stack.send('main:test:plain', 'my name is Ada')).text).toBe('heard: my name is Ada');
    expect(await stackOf(stack, 'main:test:plain')).toBe('');
    // Cancellation scopes keep working without the stack capture (their AsyncLocalStorage has its own promise hook).
    stack.model.hold();
    const held = stack.send('main:test:plain', 'a long question');
    await stack.model.waitForRequests(2);
    expect((await stack.send('main:test:plain', '/stop')).text).toMatch(/stop/i);
    stack.model.release();
    await held.catch(() => undefined);
    expect((await stack.send('main:test:plain', 'what is my name?')).text).toContain('heard: my name is Ada');
    await stack.kill(worker, 'SIGTERM');
  });

  it('are recorded when asked for: the query shows where the session waits', async () => {
    await stack.startWorker(undefined, { CLAWFLOW_TEMPORAL_WORKFLOW_STACK_TRACES: 'true' });
    expect((await stack.send('main:test:traced', 'hello')).text).toBe('heard: hello');
    expect(await stackOf(stack, 'main:test:traced')).toMatch(/\s+at /);
  });
});
