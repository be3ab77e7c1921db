import { WorkflowUpdateFailedError } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deliverInbound, listSessions } from '../../src/session-client/session-client.js';
import { inboundSignal, sendUpdate, statusQuery } from '../../src/workflows/messages.js';
import { sessionWorkflowId, parseSessionKey } from '../../src/contracts/session-key.js';
import { namespaceForFile } from '../helpers/namespace.js';
import { runCli } from '../helpers/processes.js';
import { TestStack } from '../helpers/test-stack.js';

describe('a session on a real Temporal server', () => {
  let stack: TestStack;

  beforeAll(async () => {
    stack = await TestStack.start({ namespace: namespaceForFile(import.meta.url), config: { model: { choices: ['scripted-large', 'scripted-small'] } } });
    await stack.startWorker();
  });
  afterAll(() => stack?.stop());

  it('carries context: the third model request contains the first two turns', async () => {
    const key = 'main:test:three-turns';
    stack.model.setReply((r) => `answer ${r.messages.filter((m) => m.role === 'user').length}`);
    const first = await stack.send(key, 'My name is Ada.');
    const second = await stack.send(key, 'I live in Lisbon.');
    const third = await stack.send(key, 'Where do I live and what is my name?');
    expect([first.text, second.text, third.text]).toEqual(['answer 1', 'answer 2', 'answer 3']);
    expect([first.turn, second.turn, third.turn]).toEqual([1, 2, 3]);

    const mine = stack.model.requests.filter((r) => r.messages.some((m) => m.content === 'My name is Ada.'));
    const lastRequest = mine.at(-1)!;
    expect(lastRequest.messages.map((m) => [m.role, m.content])).toEqual([
      ['system', expect.any(String)],
      ['user', 'My name is Ada.'],
      ['assistant', 'answer 1'],
      ['user', 'I live in Lisbon.'],
      ['assistant', 'answer 2'],
      ['user', 'Where do I live and what is my name?'],
    ]);
    const transcript = await stack.transcript(key);
    expect(transcript.map((e) => `${e.turn}:${e.role}`)).toEqual(['1:user', '1:assistant', '2:user', '2:assistant', '3:user', '3:assistant']);
  });

  it('/think sets how hard the model thinks in this conversation: sent with every call until /think default', async () => {
    const key = 'main:test:think';
    stack.model.setReply(() => 'thought about it');
    const effort = () => (stack.model.requests.at(-1) as unknown as Record<string, unknown>).reasoning_effort;
    await stack.send(key, 'before');
    expect(effort()).toBeUndefined();
    expect((await stack.send(key, '/think high')).text).toBe('Only the owner of this conversation can use /think high.');
    expect((await stack.send(key, '/think high', { fromOwner: true })).text).toMatch(/^Thinking: high\. It goes to the model as reasoning_effort/);
    await stack.send(key, 'a hard question');
    expect(effort()).toBe('high');
    expect((await stack.send(key, '/think')).text).toBe('Thinking: high (chosen with /think). /think off, low, medium or high; /think default.');
    expect((await stack.send(key, '/think sideways', { fromOwner: true })).text).toBe('Say /think off, low, medium or high, or /think default.');
    await stack.send(key, '/think default', { fromOwner: true });
    await stack.send(key, 'an easy one');
    expect(effort()).toBeUndefined();
  });

  it('drops a redelivered message id: one turn, one model call', async () => {
    const key = 'main:test:duplicates';
    stack.model.setReply(() => 'only once');
    const before = stack.model.requests.length;
    await deliverInbound(stack.client, stack.config, key, { text: 'hello once', messageId: 'platform-msg-1' });
    await deliverInbound(stack.client, stack.config, key, { text: 'hello once', messageId: 'platform-msg-1' });
    await stack.waitForTurns(key, 1);
    // The same id sent as an update gets the turn's reply back instead of a new turn.
    const again = await stack.send(key, 'hello once', { messageId: 'platform-msg-1' });
    expect(again).toMatchObject({ turn: 1, text: 'only once' });
    await stack.send(key, 'a different message', { messageId: 'platform-msg-2' });

    const transcript = await stack.transcript(key);
    expect(transcript.filter((e) => e.role === 'user').map((e) => e.text)).toEqual(['hello once', 'a different message']);
    expect(stack.model.requests.length - before).toBe(2);
  });

  it('collects ten messages sent during a slow turn into one next turn that sees all ten, in order (queue mode collect)', async () => {
    const key = 'main:test:collect';
    stack.model.setReply((r) => `re: ${r.messages.filter((m) => m.role === 'user').at(-1)?.content}`);
    stack.model.hold();
    const before = stack.model.requests.length;
    const first = stack.send(key, 'message 0');
    await stack.model.waitForRequests(before + 1);
    for (let i = 1; i <= 10; i += 1) await deliverInbound(stack.client, stack.config, key, { text: `message ${i}`, messageId: `collect-${i}` });
    // A redelivery of one of them is still one message.
    await deliverInbound(stack.client, stack.config, key, { text: 'message 3', messageId: 'collect-3' });
    const handle = stack.client.workflow.getHandle(sessionWorkflowId(parseSessionKey(key)));
    expect(await handle.query(statusQuery)).toMatchObject({ status: 'running', queued: 10, queueMode: 'collect' });
    stack.model.release();

    expect((await first).text).toBe('re: message 0');
    const transcript = await stack.waitForTurns(key, 2);
    // Two model calls in all: the second shows the ten in the order they were sent, after the first turn.
    await stack.model.waitForRequests(before + 2);
    // The session at rest, nothing queued: no third call can come.
    await expect.poll(async () => await handle.query(statusQuery)).toMatchObject({ status: 'idle', queued: 0 });
    expect(stack.model.requests.length - before).toBe(2);
    const tenth = Array.from({ length: 10 }, (_, i) => `message ${i + 1}`);
    expect(stack.model.userMessagesOf(before + 1)).toEqual(['message 0', ...tenth]);
    // Each message id is in the transcript once, all ten in turn 2, answered by one reply.
    expect(transcript.filter((e) => e.role === 'user').map((e) => `${e.turn}:${e.messageId}`)).toEqual([
      '1:' + transcript[0]!.messageId,
      ...tenth.map((_, i) => `2:collect-${i + 1}`),
    ]);
    expect(transcript.filter((e) => e.role === 'assistant').map((e) => e.text)).toEqual(['re: message 0', 're: message 10']);
    // The same ids sent again are known: the reply of the turn that answered them.
    expect(await stack.send(key, 'message 7', { messageId: 'collect-7' })).toMatchObject({ turn: 2, text: 're: message 10' });
  });

  it('answers each message of a burst in its own turn after /queue followup, and says which mode is on', async () => {
    const key = 'main:test:followup';
    stack.model.setReply((r) => `re: ${r.messages.at(-1)?.content}`);
    expect(await stack.send(key, '/queue followup')).toMatchObject({ text: 'Only the owner of this conversation can use /queue followup.' });
    expect((await stack.send(key, '/queue followup', { fromOwner: true })).text).toMatch(
      /^Queue mode: followup\. Messages you send while I work are answered one by one/,
    );
    expect((await stack.send(key, '/queue')).text).toBe('Queue mode: followup (chosen for this conversation); 0 messages waiting.');
    expect((await stack.send(key, '/queue sideways', { fromOwner: true })).text).toBe(
      '"sideways" is not a queue mode: use collect, followup, steer, interrupt or reset.',
    );
    stack.model.hold();
    const before = stack.model.requests.length;
    const first = stack.send(key, 'message 0');
    await stack.model.waitForRequests(before + 1);
    for (let i = 1; i <= 5; i += 1) await deliverInbound(stack.client, stack.config, key, { text: `message ${i}`, messageId: `burst-${i}` });
    expect(await stack.client.workflow.getHandle(sessionWorkflowId(parseSessionKey(key))).query(statusQuery)).toMatchObject({
      status: 'running',
      queued: 5,
      queueMode: 'followup',
    });
    stack.model.release();

    expect((await first).text).toBe('re: message 0');
    const transcript = await stack.waitForTurns(key, 6);
    expect(transcript.filter((e) => e.role === 'assistant').map((e) => e.text)).toEqual([0, 1, 2, 3, 4, 5].map((i) => `re: message ${i}`));
    expect(stack.model.lastUserMessages().slice(before)).toEqual([0, 1, 2, 3, 4, 5].map((i) => `message ${i}`));
    expect((await stack.send(key, '/queue reset', { fromOwner: true })).text).toBe('Queue mode back to the configured default: collect.');
  });

  it('steers a message sent during a tool call into the running turn (queue mode steer)', async () => {
    const key = 'main:test:steer';
    await stack.send(key, '/queue steer', { fromOwner: true });
    const before = stack.model.requests.length;
    // The model first asks for a tool; once it has the result (and whatever came meanwhile) it answers.
    stack.model.setReply((r) =>
      r.messages.some((m) => m.role === 'tool')
        ? `done; I also saw: ${r.messages.at(-1)?.content}`
        : { toolCalls: [{ name: 'read', arguments: { path: 'missing.txt' } }] },
    );
    stack.model.hold();
    const first = stack.send(key, 'read the file');
    await stack.model.waitForRequests(before + 1);
    const second = stack.send(key, 'and use British spelling');
    await expect.poll(async () => (await stack.client.workflow.getHandle(sessionWorkflowId(parseSessionKey(key))).query(statusQuery)).queued).toBe(1);
    stack.model.release();

    const [a, b] = await Promise.all([first, second]);
    expect({ ...a, messageId: '' }).toEqual({ ...b, messageId: '' });
    expect(a).toMatchObject({ turn: 1, text: 'done; I also saw: and use British spelling' });
    expect(stack.model.requests.length - before).toBe(2);
    // In the second request the steered message comes after the tool's result.
    expect(
      stack.model.requests
        .at(-1)!
        .messages.map((m) => m.role)
        .slice(-3),
    ).toEqual(['assistant', 'tool', 'user']);
    const transcript = await stack.transcript(key);
    expect(transcript.map((e) => `${e.turn}:${e.role}:${e.text}`)).toEqual([
      '1:user:read the file',
      '1:user:and use British spelling',
      '1:assistant:done; I also saw: and use British spelling',
    ]);
  });

  it('cancels the running turn for a newer message and answers both in one turn (queue mode interrupt)', async () => {
    const key = 'main:test:interrupt';
    await stack.send(key, '/queue interrupt', { fromOwner: true });
    stack.model.setReply(
      (r) =>
        `answering: ${r.messages
          .filter((m) => m.role === 'user')
          .map((m) => m.content)
          .join(' + ')}`,
    );
    stack.model.hold();
    const before = stack.model.requests.length;
    const first = stack.send(key, 'plan a trip to Porto');
    await stack.model.waitForRequests(before + 1);
    const second = stack.send(key, 'no, make it Lisbon');
    await stack.model.waitForRequests(before + 2);
    stack.model.release();

    const [a, b] = await Promise.all([first, second]);
    expect({ ...a, messageId: '' }).toEqual({ ...b, messageId: '' });
    expect(a).toMatchObject({ turn: 1, text: 'answering: plan a trip to Porto + no, make it Lisbon' });
    // The first call was abandoned: one answer is recorded, for both messages.
    const transcript = await stack.transcript(key);
    expect(transcript.map((e) => `${e.turn}:${e.role}`)).toEqual(['1:user', '1:user', '1:assistant']);
  });

  it('refuses malformed input with a clear error and keeps working', async () => {
    const key = 'main:test:bad-input';
    stack.model.setReply(() => 'still here');
    await stack.send(key, 'first');
    const handle = stack.client.workflow.getHandle(sessionWorkflowId(parseSessionKey(key)));

    // An update with a wrong payload is rejected before it enters history, naming the field.
    const rejected = await handle.executeUpdate(sendUpdate, { args: [{ messageId: 'x', text: 42 } as never] }).catch((e: unknown) => e);
    expect(rejected).toBeInstanceOf(WorkflowUpdateFailedError);
    expect(String(((rejected as Error).cause as Error | undefined)?.message)).toMatch(/text: .*expected string/i);

    // A signal with garbage is recorded and ignored.
    await handle.signal(inboundSignal, { text: '' } as never);
    await expect.poll(async () => (await handle.query(statusQuery)).rejected.join('\n')).toMatch(/inbound signal refused: messageId: .*; text: .*/);

    // The CLI refuses bad input with a message and a non-zero exit code.
    const badKey = await runCli(['send', 'Bad Key:x', 'hi'], stack.env);
    expect(badKey.code).toBe(1);
    expect(badKey.output).toMatch(/session key "Bad Key:x" has two parts/);
    const empty = await runCli(['send', key, '   '], stack.env);
    expect(empty.code).toBe(1);
    expect(empty.output).toMatch(/text must not be empty/);

    const after = await stack.send(key, 'second');
    expect(after).toMatchObject({ turn: 2, text: 'still here' });
    const status = await handle.query(statusQuery);
    expect(status).toMatchObject({ status: 'idle', turns: 2, queued: 0 });
  });

  it('lets only the owner run the chat commands that change a session, and answers the others from anyone', async () => {
    const key = 'main:test:commands';
    stack.model.setReply(() => 'a model answer');
    const requests = stack.model.requests.length;
    // stack.send does not say the sender owns the session; the CLI and the API do.
    expect(await stack.send(key, '/new')).toMatchObject({ text: 'Only the owner of this conversation can use /new.' });
    expect((await stack.send(key, '/help')).text).toMatch(/^Commands:\n\/help — /);
    expect(await stack.send(key, '/stop')).toMatchObject({ text: 'Only the owner of this conversation can use /stop.' });
    expect(stack.model.requests.length).toBe(requests);
    const owned = await runCli(['send', key, '/new'], stack.env);
    expect(owned).toMatchObject({ code: 0, output: 'Started a fresh conversation: I no longer see what we said before (it stays in the transcript).\n' });
    // The transcript keeps the mark; nothing before it is context any more.
    expect((await stack.waitForTurns(key, 1)).at(-1)).toMatchObject({ role: 'assistant', reset: true });

    // A turn's model and token use (the fake model reports 10 in, 5 out per call) reach the transcript and /status.
    await stack.send(key, 'a question');
    expect((await stack.waitForTurns(key, 2)).at(-1)).toMatchObject({ role: 'assistant', model: 'scripted', usage: { inputTokens: 10, outputTokens: 5 } });
    const status = (await stack.send(key, '/status')).text;
    expect(status).toMatch(/\nModel: scripted\n/);
    expect(status).toMatch(/\nUsage today: 10 tokens in, 5 out, over 1 turn\n/);
  });

  it('switches among the configured models with /model, for this conversation only', async () => {
    const key = 'main:test:model';
    stack.model.setReply(() => 'answered');
    const owner = { fromOwner: true };
    expect((await stack.send(key, '/model')).text).toBe(
      "Model: the runtime's (the default). To switch: 1. scripted-large, 2. scripted-small — /model <name or number>; /model default to go back.",
    );
    expect((await stack.send(key, '/model large')).text).toBe('Only the owner of this conversation can use /model large.');
    expect((await stack.send(key, '/model scripted', owner)).text).toBe(
      '"scripted" could be scripted-large or scripted-small. Choose one of: scripted-large, scripted-small.',
    );
    expect((await stack.send(key, '/model LARGE', owner)).text).toBe('From now on scripted-large answers in this conversation.');
    await stack.send(key, 'hello');
    expect(stack.model.requests.at(-1)!.model).toBe('scripted-large');
    expect((await stack.send(key, '/status')).text).toMatch(/\nModel: scripted-large \(chosen with \/model; the last answer came from scripted-large\)\n/);
    expect((await stack.send(key, '/model 2', owner)).text).toBe('From now on scripted-small answers in this conversation.');
    await stack.send(key, 'hello again');
    expect(stack.model.requests.at(-1)!.model).toBe('scripted-small');
    // Another conversation keeps the default.
    await stack.send('main:test:model-other', 'hi');
    expect(stack.model.requests.at(-1)!.model).toBe('scripted');
    expect((await stack.send(key, '/model default', owner)).text).toBe('Back to the default model.');
    await stack.send(key, 'and now?');
    expect(stack.model.requests.at(-1)!.model).toBe('scripted');
  });

  it('lists and shows sessions through the CLI, with --json', async () => {
    const key = 'main:test:cli';
    stack.model.setReply(() => 'from the CLI');
    // Every turn shown at once (session.listRefreshSeconds 0; the default lets a busy session's count lag a little).
    const sent = await runCli(['send', key, 'hello', 'from', 'cli', '--json'], { ...stack.env, CLAWFLOW_SESSION_LIST_REFRESH_SECONDS: '0' });
    expect(sent.code).toBe(0);
    expect(JSON.parse(sent.output)).toMatchObject({ turn: 1, text: 'from the CLI' });

    const list = await runCli(['sessions', 'list', '--json'], stack.env);
    expect(list.code).toBe(0);
    const rows = JSON.parse(list.output) as Array<Record<string, unknown>>;
    expect(rows.find((r) => r.sessionKey === key)).toMatchObject({ channel: 'test', peer: 'cli', turns: 1, status: 'idle' });

    // The list reads each running session itself: right after a turn it already counts it, as show does.
    for (let turn = 2; turn <= 4; turn += 1) {
      await stack.send(key, `again ${turn}`);
      expect((await listSessions(stack.client)).find((r) => r.sessionKey === key)).toMatchObject({ turns: turn, status: 'idle' });
    }

    const show = await runCli(['sessions', 'show', key, '--json'], stack.env);
    expect(show.code).toBe(0);
    expect(
      JSON.parse(show.output)
        .transcript.map((e: { text: string }) => e.text)
        .slice(0, 2),
    ).toEqual(['hello from cli', 'from the CLI']);

    const missing = await runCli(['sessions', 'show', 'main:test:never'], stack.env);
    expect(missing.code).toBe(1);
    expect(missing.output).toMatch(/No session main:test:never/);
  });

  it('says a session does not exist, in those words, when stop or approve names one that is not there', async () => {
    for (const args of [
      ['stop', 'main:test:never-was'],
      ['approve', 'main:test:never-was', 'abc123'],
    ]) {
      const { code, output } = await runCli(args, stack.env);
      expect(code, args.join(' ')).toBe(1);
      expect(output).toContain('there is no session main:test:never-was running (clawflow sessions list shows them)');
      expect(output).not.toMatch(/workflow not found/i);
    }
  });
});
