import { afterAll, beforeAll, describe, expect, it, inject } from 'vitest';
import { noTranscriptionReply } from '../../src/connectors/inbound/inbound.js';
import { followUpAnswered } from '../helpers/barrier.js';
import { heard } from '../helpers/fake-model.js';
import { FakeSignal, signalBot, type SignalPerson } from '../helpers/fake-signal.js';
import { namespaceForFile } from '../helpers/namespace.js';
import { runCli, type CliProcess } from '../helpers/processes.js';
import { TestStack } from '../helpers/test-stack.js';

const owner: SignalPerson = { number: '+15551230001', uuid: '1d3c0e5a-1111-4111-8111-000000000001', name: 'Ada' };
const friend: SignalPerson = { number: '+15551230002', uuid: '1d3c0e5a-1111-4111-8111-000000000002', name: 'Grace' };
const group = 'Z3JvdXAtaWQtb2YtdGhlLXRlc3Q+L2dyb3VwPQ==';

describe("Signal through signal-cli's JSON-RPC daemon, against a local fake of it", () => {
  const signal = new FakeSignal();
  let stack: TestStack;
  let connector: CliProcess;

  /** The `send` calls to a person (or a group), once there are `count` of them. */
  const sentTo = async (chat: string, count: number): Promise<Array<Record<string, unknown>>> => {
    const mine = () => signal.sent().filter((p) => (chat.startsWith('+') ? (p.recipient as string[] | undefined)?.[0] === chat : p.groupId === chat));
    await expect.poll(() => mine().length, { timeout: 30_000 }).toBeGreaterThanOrEqual(count);
    return mine();
  };

  beforeAll(async () => {
    await signal.start();
    stack = await TestStack.start({
      namespace: namespaceForFile(import.meta.url),
      config: { channels: { signal: { url: signal.url, allowFrom: [owner.number, friend.number], groups: [group], pollTimeoutSeconds: 1 } } },
      env: { CLAWFLOW_SIGNAL_ACCOUNT: signalBot.number },
    });
    stack.model.setReply(heard);
    await stack.startWorker();
    connector = await stack.startConnector();
  });
  afterAll(async () => {
    await stack?.stop();
    await signal.stop();
  });

  it('answers a direct message once, showing "typing" meanwhile; activity that is not a message is not answered', async () => {
    signal.userActivity(owner, 'typing');
    signal.userActivity(owner, 'receipt');
    signal.userMessage(owner, 'hello from Signal');
    const [reply] = await sentTo(owner.number, 1);
    expect(reply).toEqual({ recipient: [owner.number], message: 'heard: hello from Signal' });
    expect(signal.sent('sendTyping')).toContainEqual({ recipient: [owner.number] });
    const next = await followUpAnswered(
      (text) => signal.userMessage(owner, text),
      async (text) => (await sentTo(owner.number, 0)).some((p) => String(p.message).endsWith(text)),
    );
    expect((await sentTo(owner.number, 1)).filter((p) => p.message === 'heard: hello from Signal')).toHaveLength(1);
    expect(stack.model.lastUserMessages()).toEqual(['hello from Signal', next]);
  });

  it("splits a long answer below Signal's 2,000 characters", async () => {
    const paragraph = 'word '.repeat(300).trim();
    stack.model.setReply(() => `${paragraph}\n\n${paragraph}`);
    try {
      const before = (await sentTo(owner.number, 1)).length;
      signal.userMessage(owner, 'tell me a lot');
      const parts = (await sentTo(owner.number, before + 2)).slice(before);
      expect(parts.map((p) => p.message)).toEqual([paragraph, paragraph]);
    } finally {
      stack.model.setReply(heard);
    }
  });

  it('in a group, answers only when mentioned or replied to, quoting the message it answers', async () => {
    signal.userMessage(owner, 'talking among ourselves', { groupId: group });
    const mentioned = signal.userMessage(owner, 'what do you think?', { groupId: group, mentionBot: true });
    const [answer] = await sentTo(group, 1);
    // The bot's own mention is left out of what the model reads.
    expect(answer).toEqual({ groupId: group, message: 'heard: what do you think?', quoteTimestamp: mentioned, quoteAuthor: owner.number });
    signal.userMessage(friend, 'and about this?', { groupId: group, quoteBot: true });
    const answers = await sentTo(group, 2);
    expect(answers[1]).toMatchObject({ message: 'heard: what do you think? | and about this?', quoteAuthor: friend.number });
    expect(stack.model.lastUserMessages()).not.toContain('talking among ourselves');

    const status = await runCli(['channels', 'status', '--json'], stack.env);
    expect(JSON.parse(status.output)).toEqual([expect.objectContaining({ channel: 'signal', state: 'connected', detail: signalBot.number })]);
  });

  it('gives a stranger a pairing code and nothing else, until the owner approves it', async () => {
    const stranger: SignalPerson = { number: '+15559990000', uuid: '1d3c0e5a-1111-4111-8111-000000000099', name: 'Eve' };
    const requests = stack.model.requests.length;
    signal.userMessage(stranger, 'hi, who are you?');
    const [codeMessage] = await sentTo(stranger.number, 1);
    const code = /pairing code is ([A-Z0-9]{8})/.exec(String(codeMessage!.message))?.[1];
    expect(code).toBeDefined();
    expect(stack.model.requests.length).toBe(requests);
    expect(await runCli(['pairing', 'approve', 'signal', code!], stack.env)).toMatchObject({ code: 0, output: `Approved Eve (signal ${stranger.number}).\n` });
    const welcomed = await sentTo(stranger.number, 3);
    expect(welcomed.slice(1).map((m) => m.message)).toEqual([
      "You're in, Eve: my owner approved you. Here is my answer to your first message.",
      'heard: hi, who are you?',
    ]);
  });

  it("takes attachments: a document's text reaches the model, a voice note without transcription is answered with what to set", async () => {
    const lastUserMessage = () =>
      stack.model.requests
        .at(-1)!
        .messages.filter((m) => m.role === 'user')
        .at(-1)!.content!;
    stack.model.setReply(() => 'noted');
    try {
      let before = (await sentTo(friend.number, 0)).length;
      signal.userMessage(friend, 'what does it say?', {
        attachments: [{ contentType: 'text/plain', filename: 'list.txt', bytes: Buffer.from('oat milk\nbread\n') }],
      });
      await sentTo(friend.number, before + 1);
      expect(lastUserMessage()).toMatch(
        /^what does it say\?\n\[The user sent a document "list\.txt" \(text\/plain, 1 kB\), saved in the workspace as media\/inbound\/signal-[0-9a-f]{24}\.txt\. Its text:\]\noat milk\nbread$/,
      );

      before = (await sentTo(friend.number, 0)).length;
      const requests = stack.model.requests.length;
      signal.userMessage(friend, null, { attachments: [{ contentType: 'audio/aac', filename: null, bytes: Buffer.from('fake aac audio') }] });
      const replies = await sentTo(friend.number, before + 1);
      expect(replies.at(-1)!.message).toBe(noTranscriptionReply);
      expect(stack.model.requests.length).toBe(requests);
    } finally {
      stack.model.setReply(heard);
    }
  });

  it.skipIf(inject('machine').chromium)('sends the screenshot the agent took along with its answer, as an attachment', async () => {
    stack.model.setReply((request) =>
      request.messages.some((m) => m.role === 'tool') ? 'here is the screenshot' : { toolCalls: [{ name: 'browser', arguments: { action: 'screenshot' } }] },
    );
    try {
      signal.userMessage(owner, 'show me your browser');
      await expect.poll(() => signal.sent().some((p) => Array.isArray(p.attachments)), { timeout: 30_000 }).toBe(true);
      const [attachment] = signal.sent().find((p) => Array.isArray(p.attachments))!.attachments as string[];
      expect(attachment).toMatch(/^data:image\/png;filename=[\w.-]+\.png;base64,/);
      expect(Buffer.from(attachment!.split(',')[1]!, 'base64').subarray(1, 4).toString()).toBe('PNG');
      expect(signal.sent().some((p) => p.message === 'here is the screenshot')).toBe(true);
    } finally {
      stack.model.setReply(heard);
    }
  });

  it('keeps a message signal-cli already handed over when the connector is killed before its session had it: answered once after the restart', async () => {
    let release!: () => void;
    signal.holdAttachments = new Promise<void>((resolve) => (release = resolve));
    const before = (await sentTo(owner.number, 0)).length;
    const requests = stack.model.requests.length;
    const fetches = signal.calls.filter((c) => c.method === 'getAttachment').length;
    signal.userMessage(owner, 'keep this safe', { attachments: [{ contentType: 'text/plain', filename: 'note.txt', bytes: Buffer.from('the safe word') }] });
    // The connector took it from signal-cli (gone from the daemon) and is fetching its attachment: killed right there.
    await expect.poll(() => signal.calls.filter((c) => c.method === 'getAttachment').length > fetches && signal.waiting === 0, { timeout: 30_000 }).toBe(true);
    connector.child.kill('SIGKILL');
    await connector.exited;
    release();
    signal.holdAttachments = null;
    connector = await stack.startConnector();
    const replies = await sentTo(owner.number, before + 1);
    expect(String(replies.at(-1)!.message)).toContain('keep this safe');
    await followUpAnswered(
      (text) => signal.userMessage(owner, text),
      async (text) => (await sentTo(owner.number, 0)).some((p) => String(p.message).endsWith(text)),
    );
    expect((await sentTo(owner.number, 0)).length).toBe(before + 2);
    expect(stack.model.requests.length - requests).toBe(2);
  });

  it('says what to change when the daemon receives on its own, and reads on once it is restarted in manual mode', async () => {
    signal.receivesOnItsOwn = true;
    try {
      await expect
        .poll(async () => JSON.parse((await runCli(['channels', 'status', '--json'], stack.env)).output) as Array<{ state: string; detail?: string }>, {
          timeout: 20_000,
          interval: 500,
        })
        .toEqual([expect.objectContaining({ state: 'retrying', detail: expect.stringContaining('start its daemon with --receive-mode=manual') })]);
    } finally {
      signal.receivesOnItsOwn = false;
    }
    const before = (await sentTo(owner.number, 0)).length;
    signal.userMessage(owner, 'are you back?');
    expect(String((await sentTo(owner.number, before + 1)).at(-1)!.message)).toContain('are you back?');
  });

  it('retries a send signal-cli failed for a passing reason (rate limit), and the reply arrives once', async () => {
    signal.failNextSends(2, -5, 'Failed to send message due to rate limiting');
    const before = (await sentTo(owner.number, 0)).length;
    signal.userMessage(owner, 'try again later');
    const replies = await sentTo(owner.number, before + 1);
    expect(String(replies.at(-1)!.message)).toContain('try again later');
    expect(connector.output()).not.toContain('Unhandled');
  });
});
