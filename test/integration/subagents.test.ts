import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { namespaceForFile } from '../helpers/namespace.js';
import { describeError } from '../../src/errors.js';
import { sendMessage, stopTurn } from '../../src/session-client/session-client.js';
import { TestStack } from '../helpers/test-stack.js';

describe('sub-agents (sessions_spawn) as child workflows', () => {
  let stack: TestStack;

  beforeAll(async () => {
    // A dead worker's activity is noticed after the heartbeat timeout; keep it short so the test is quick.
    stack = await TestStack.start({
      namespace: namespaceForFile(import.meta.url),
      config: { agent: { heartbeatTimeoutSeconds: 2 }, tools: { sessions: { maxSpawnsPerTurn: 3, maxSpawnsPerDay: 4 } } },
    });
  });
  afterAll(() => stack?.stop());

  it("brings a sub-agent's answer back into its parent's turn (sessions_spawn), also when the worker was SIGKILLed while the child ran", async () => {
    const key = 'main:test:parent';
    const task = 'Count the letters in "durable" and answer with the number only.';
    stack.model.setReply((r) => {
      const last = r.messages.at(-1)!;
      // The sub-agent: its only message is the task.
      if (last.role === 'user' && last.content === task) return '7';
      // Its answer comes marked as another session's words: the line before the end marker.
      if (last.role === 'tool') return `My helper says: ${String(last.content).split('\n').at(-2)}`;
      return { toolCalls: [{ name: 'sessions_spawn', arguments: { task, label: 'letters' } }] };
    });
    const worker = await stack.startWorker();
    const requests = stack.model.requests.length;
    const childRequests = () => stack.model.requests.slice(requests).filter((r) => r.messages.at(-1)?.content === task);
    const pending = stack.send(key, 'how many letters has "durable"? ask a helper');
    // The parent asks for a sub-agent; the sub-agent's model call is held, and the worker dies under it.
    await stack.model.waitForRequests(requests + 1);
    stack.model.hold();
    await expect.poll(() => childRequests().length, { timeout: 30_000 }).toBe(1);
    await stack.kill(worker, 'SIGKILL');
    stack.model.release();
    await stack.startWorker();

    expect(await pending).toMatchObject({ text: 'My helper says: 7' });
    // The sub-agent is a session of its own, linked to its parent, with its own transcript; its context held only the task.
    const childAsked = childRequests();
    expect(childAsked[0]!.messages.filter((m) => m.role === 'user').map((m) => m.content)).toEqual([task]);
    expect(childAsked[0]!.tools?.map((t) => t.function.name)).not.toContain('sessions_spawn');
    const children = [];
    for await (const w of stack.client.workflow.list({ query: `WorkflowType = 'SessionWorkflow' AND ClawflowChannel = 'subagent'` })) children.push(w);
    expect(children).toHaveLength(1);
    expect(children[0]!.status.name).toBe('COMPLETED');
    const described = await stack.client.workflow.getHandle(children[0]!.workflowId).describe();
    expect(described.raw.workflowExecutionInfo?.parentExecution?.workflowId).toBe(`session:${key}`);
    expect((await stack.transcript(children[0]!.workflowId.slice('session:'.length))).map((e) => e.text)).toEqual([task, '7']);
  });

  it('caps sub-agents per turn and per conversation a day, with a tool error the model reads; their answers come marked', async () => {
    const task = (n: number) => `Say "done ${n}".`;
    stack.model.setReply((r) => {
      const last = r.messages.at(-1)!;
      const asked = /^Say "done (\d+)"\.$/.exec(String(last.content));
      if (last.role === 'user' && asked) return `done ${asked[1]}`;
      if (last.role === 'tool')
        return r.messages
          .slice(r.messages.findLastIndex((m) => m.role === 'user'))
          .filter((m) => m.role === 'tool')
          .map((m) => String(m.content))
          .join('\n---\n');
      // One message asks for five at once.
      const first = Number(/^batch (\d+)$/.exec(String(last.content))?.[1] ?? 0);
      return { toolCalls: Array.from({ length: 5 }, (_, i) => ({ name: 'sessions_spawn', arguments: { task: task(first + i) } })) };
    });
    await stack.startWorker();
    const key = 'main:test:many';
    const results = (text: string) => text.split('\n---\n');
    const first = results((await stack.send(key, 'batch 0')).text);
    expect(
      first.filter((r) =>
        /^The sub-agent \(\S+\) answered:\n<<<UNTRUSTED WEB CONTENT from the sub-agent \S+>>>\ndone \d\n<<<END UNTRUSTED WEB CONTENT>>>$/.test(r),
      ),
    ).toHaveLength(3);
    expect(first.filter((r) => r.includes('at most 3 sub-agents per turn (tools.sessions.maxSpawnsPerTurn)'))).toHaveLength(2);
    // The next turn: one more today, then the conversation's daily cap.
    const second = results((await stack.send(key, 'batch 10')).text);
    expect(second.filter((r) => r.includes('answered:'))).toHaveLength(1);
    expect(second.filter((r) => r.includes('has spawned 4 sub-agents today, the most it may (tools.sessions.maxSpawnsPerDay)'))).toHaveLength(4);
    let children = 0;
    for await (const w of stack.client.workflow.list({
      query: `WorkflowType = 'SessionWorkflow' AND WorkflowId STARTS_WITH 'session:main:subagent:test-many-t'`,
    }))
      children += w ? 1 : 0;
    expect(children).toBe(4);
  });

  it("stops a sub-agent with its parent's turn (/stop), and one that runs past its timeout; the parent goes on", async () => {
    const stuck = 'Think about this forever.';
    stack.model.setReply((r) => {
      const last = r.messages.at(-1)!;
      if (last.role === 'tool') return `helper: ${String(last.content)}`;
      if (last.content === stuck) return 'never seen';
      return { toolCalls: [{ name: 'sessions_spawn', arguments: { task: stuck, timeoutSeconds: 10 } }] };
    });
    await stack.startWorker();
    const subagents = async (status: string) => {
      const found = [];
      for await (const w of stack.client.workflow.list({
        query: `WorkflowType = 'SessionWorkflow' AND ClawflowChannel = 'subagent' AND ExecutionStatus = '${status}'`,
      }))
        found.push(w);
      return found.length;
    };
    const requests = stack.model.requests.length;
    const waiting = () => stack.model.requests.slice(requests).filter((r) => r.messages.at(-1)?.content === stuck).length;

    // /stop while the sub-agent thinks: the parent's turn ends as stopped, the child is cancelled.
    const stopped = stack.send('main:test:stop-parent', 'start a helper');
    await stack.model.waitForRequests(requests + 1);
    stack.model.hold();
    await expect.poll(waiting, { timeout: 30_000 }).toBe(1);
    expect(await stopTurn(stack.client, stack.config, 'main:test:stop-parent')).toBe(true);
    expect(
      describeError(
        await stopped.then(
          () => null,
          (error: unknown) => error,
        ),
      ),
    ).toMatch(/Stopped at your request/);
    await expect.poll(() => subagents('Canceled'), { timeout: 30_000 }).toBe(1);

    // Past its timeout: the parent hears so and answers with that (its own next model call is let through).
    stack.model.release();
    const before = stack.model.requests.length;
    const started = Date.now();
    const latePending = stack.send('main:test:late-parent', 'start a helper');
    await stack.model.waitForRequests(before + 1);
    stack.model.hold();
    await expect.poll(() => stack.model.requests.slice(before).some((r) => r.messages.at(-1)?.role === 'tool'), { timeout: 30_000 }).toBe(true);
    stack.model.release();
    const late = await latePending;
    expect(late.text).toMatch(/^helper: Error: the sub-agent did not answer within 10 s and was stopped \(main:subagent:/);
    expect(Date.now() - started).toBeGreaterThanOrEqual(10_000);
    await expect.poll(() => subagents('Canceled'), { timeout: 30_000 }).toBe(2);
  });

  it('lets a session look at and message its own sub-agents (sessions_list, sessions_history, sessions_send), and no other session', async () => {
    const parent = 'main:test:parent';
    const calls: Array<{ name: string; arguments: Record<string, unknown> }> = [];
    stack.model.setReply((r) => {
      const last = r.messages.at(-1)!;
      if (last.content === 'and in "temporal"?') return '8';
      if (last.role === 'tool') return `tool: ${String(last.content)}`;
      return { toolCalls: [calls.shift()!] };
    });
    await stack.startWorker();
    calls.push({ name: 'sessions_list', arguments: {} });
    const listed = await stack.send(parent, 'which helpers do you have?');
    const child = /- (main:subagent:\S+): /.exec(listed.text)?.[1];
    expect(listed.text, listed.text).toMatch(/^tool: 1 sub-agents you spawned:\n- main:subagent:test-parent-t1-\S+: completed, 1 turn, last active /);
    calls.push({ name: 'sessions_history', arguments: { sessionKey: child } });
    expect((await stack.send(parent, 'what did it say?')).text).toMatch(
      /\[turn 1, user, [^\]]+\] Count the letters in "durable" and answer with the number only\.\n\[turn 1, assistant, [^\]]+\] 7\n/,
    );
    calls.push({ name: 'sessions_send', arguments: { sessionKey: child, message: 'and in "temporal"?', timeoutSeconds: 60 } });
    expect((await stack.send(parent, 'ask it about "temporal"')).text).toContain(
      `tool: ${child} answered:\n<<<UNTRUSTED WEB CONTENT from session ${child}>>>\n8\n`,
    );
    // Other conversations are out of sight, and so is this one.
    calls.push({ name: 'sessions_history', arguments: { sessionKey: 'main:test:late-parent' } });
    expect((await stack.send(parent, 'peek elsewhere')).text).toBe(
      'tool: Error: main:test:late-parent is not a session you may see (only the sub-agents you spawned: sessions_list shows them; tools.sessions.visibility)',
    );
    calls.push({ name: 'sessions_send', arguments: { sessionKey: parent, message: 'hi me' } });
    expect((await stack.send(parent, 'talk to yourself')).text).toBe('tool: Error: that is this conversation: answer here instead');
  });
  it("runs a sub-agent in the background (wait: false): the parent answers at once, and the sub-agent's answer comes back as a message the parent answers — once, across a SIGKILL of every worker", async () => {
    const key = 'main:test:background';
    const task = 'How many moons has Mars? Answer with the number only.';
    const isReport = (content: unknown) => String(content).includes('[Background task done]');
    stack.model.setReply((r) => {
      const last = r.messages.at(-1)!;
      if (last.role === 'user' && last.content === task) return '2';
      if (last.role === 'tool') return 'A helper is on it; I will tell you when it answers.';
      // The report: the sub-agent's answer marked as its words, then what to do.
      if (last.role === 'user' && isReport(last.content)) return `The helper found: ${String(last.content).split('\n').at(-3)}`;
      return { toolCalls: [{ name: 'sessions_spawn', arguments: { task, label: 'moons', wait: false } }] };
    });
    await stack.startWorker();
    // The sub-agent's model call is held: the parent's turn ends without it.
    stack.model.holdWhen = (request) => request.messages.at(-1)?.content === task;
    const first = await stack.send(key, 'ask a helper how many moons Mars has, and go on');
    expect(first.text).toBe('A helper is on it; I will tell you when it answers.');
    await expect.poll(() => stack.model.requests.filter((r) => r.messages.at(-1)?.content === task).length, { timeout: 30_000 }).toBe(1);

    // Every worker dies while the sub-agent thinks; new ones take over, and its answer still reaches the parent.
    await stack.killAll('SIGKILL');
    stack.model.release();
    await stack.startWorker();
    const entries = await stack.waitForTurns(key, 2, 90_000);
    const report = entries.find((e) => e.role === 'user' && isReport(e.text));
    expect(report?.text).toMatch(
      /^\[Background task done\] the sub-agent main:subagent:test-background-t1-\S+ \(moons\), which you started earlier, answered:\n<<<UNTRUSTED WEB CONTENT from the sub-agent /,
    );
    expect(entries.filter((e) => e.role === 'assistant').map((e) => e.text)).toEqual([
      'A helper is on it; I will tell you when it answers.',
      'The helper found: 2',
    ]);
    // Answered once: no further turn comes of it.
    await new Promise((resolve) => setTimeout(resolve, 2000));
    expect(new Set((await stack.storedTranscript(key)).map((e) => e.turn)).size).toBe(2);
    const children = [];
    for await (const w of stack.client.workflow.list({
      query: `WorkflowType = 'SessionWorkflow' AND WorkflowId STARTS_WITH 'session:main:subagent:test-background-t'`,
    }))
      children.push(w);
    expect(children.map((c) => c.status.name)).toEqual(['COMPLETED']);
  });

  it('refuses a background sub-agent in a conversation that ends with its answer (a one-off API request)', async () => {
    stack.model.setReply((r) => {
      const last = r.messages.at(-1)!;
      if (last.role === 'tool') return `tool: ${String(last.content)}`;
      return { toolCalls: [{ name: 'sessions_spawn', arguments: { task: 'anything', wait: false } }] };
    });
    await stack.startWorker();
    const reply = await sendMessage(stack.client, stack.config, 'main:api:one-off-background', { text: 'start a helper' }, { oneOff: true });
    expect(reply.text).toMatch(/^tool: Error: sessions_spawn with wait: false refused: this conversation ends with your answer/);
  });
});
