import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { followUpAnswered } from '../helpers/barrier.js';
import { heard } from '../helpers/fake-model.js';
import { FakeMatrix, matrixBot } from '../helpers/fake-matrix.js';
import { namespaceForFile } from '../helpers/namespace.js';
import { runCli, type CliProcess } from '../helpers/processes.js';
import { TestStack } from '../helpers/test-stack.js';

const owner = '@ada:fake.test';
const friend = '@grace:fake.test';
const direct = '!direct:fake.test';
const group = '!group:fake.test';

describe('Matrix through matrix-js-sdk, against a local fake of the client-server API', () => {
  const matrix = new FakeMatrix();
  let stack: TestStack;
  let connector: CliProcess;

  /** What the bot sent to a room, once there are `count` messages. */
  const sentTo = async (roomId: string, count: number): Promise<Array<Record<string, unknown>>> => {
    await expect.poll(() => matrix.sent.filter((m) => m.roomId === roomId).length, { timeout: 30_000 }).toBeGreaterThanOrEqual(count);
    return matrix.sent.filter((m) => m.roomId === roomId).map((m) => m.content);
  };

  beforeAll(async () => {
    await matrix.start();
    matrix.room(direct, [owner]);
    matrix.room(group, [owner, friend]);
    // History from before ClawFlow came: never answered.
    matrix.text(direct, owner, 'an old message from last week');
    stack = await TestStack.start({
      namespace: namespaceForFile(import.meta.url),
      config: {
        channels: { matrix: { homeserverUrl: matrix.url, userId: matrixBot.userId, allowFrom: [owner, friend], groups: [group], pollTimeoutSeconds: 1 } },
        // Room for everything a person wrote while the connector was away (the read-back test).
        messages: { queue: { cap: 500 } },
      },
      env: { CLAWFLOW_MATRIX_ACCESS_TOKEN: matrixBot.accessToken },
    });
    stack.model.setReply(heard);
    await stack.startWorker();
    connector = await stack.startConnector();
  });
  afterAll(async () => {
    await stack?.stop();
    await matrix.stop();
  });

  it('answers a direct message in its room, once, showing "typing"; what came before ClawFlow is not answered', async () => {
    matrix.text(direct, owner, 'hello from Matrix');
    const [reply] = await sentTo(direct, 1);
    expect(reply).toEqual({ msgtype: 'm.text', body: 'heard: hello from Matrix' });
    expect(matrix.typing).toContain(direct);
    await followUpAnswered(
      (text) => matrix.text(direct, owner, text),
      (text) => matrix.sent.some((m) => m.roomId === direct && String(m.content.body).endsWith(text)),
    );
    expect((await sentTo(direct, 1)).filter((m) => m.body === 'heard: hello from Matrix')).toHaveLength(1);
    expect(connector.output()).not.toContain(matrixBot.accessToken);
    expect(matrix.unknown).toEqual([]);
  });

  it('in a room, answers only when mentioned or replied to, as a reply; a thread is a conversation of its own that it follows', async () => {
    matrix.text(group, owner, 'talking among ourselves');
    const asked = matrix.text(group, owner, 'ClawFlow, what do you think?', { 'm.mentions': { user_ids: [matrixBot.userId] } });
    const [answer] = await sentTo(group, 1);
    expect(answer).toEqual({ msgtype: 'm.text', body: 'heard: ClawFlow, what do you think?', 'm.relates_to': { 'm.in_reply_to': { event_id: asked } } });

    const botMessage = matrix.sent.find((m) => m.roomId === group)!.eventId;
    matrix.text(group, friend, '> <@clawflow:fake.test> heard: …\n\nand about this?', { 'm.relates_to': { 'm.in_reply_to': { event_id: botMessage } } });
    expect((await sentTo(group, 2))[1]).toMatchObject({ body: 'heard: ClawFlow, what do you think? | and about this?' });

    // A thread: mentioned once in it, the bot follows it, in a session of its own.
    const root = matrix.text(group, owner, 'a new topic');
    matrix.text(group, owner, `${matrixBot.userId} start here`, { 'm.relates_to': { rel_type: 'm.thread', event_id: root } });
    const inThread = await sentTo(group, 3);
    expect(inThread[2]).toMatchObject({ body: 'heard: start here', 'm.relates_to': { rel_type: 'm.thread', event_id: root, is_falling_back: true } });
    matrix.text(group, friend, 'and go on', { 'm.relates_to': { rel_type: 'm.thread', event_id: root } });
    expect((await sentTo(group, 4))[3]).toMatchObject({ body: 'heard: start here | and go on', 'm.relates_to': { rel_type: 'm.thread', event_id: root } });
    expect(stack.model.lastUserMessages()).not.toContain('talking among ourselves');

    const status = await runCli(['channels', 'status', '--json'], stack.env);
    expect(JSON.parse(status.output)).toEqual([expect.objectContaining({ channel: 'matrix', state: 'connected', detail: matrixBot.userId })]);
  });

  it("joins a stranger's direct chat to give them a pairing code, and nothing else; leaves a stranger's group invitation alone", async () => {
    const stranger = '@eve:fake.test';
    const requests = stack.model.requests.length;
    matrix.invite('!eve-dm:fake.test', stranger, true);
    matrix.invite('!eve-group:fake.test', stranger, false);
    await expect.poll(() => matrix.isMember('!eve-dm:fake.test'), { timeout: 30_000 }).toBe(true);
    matrix.text('!eve-dm:fake.test', stranger, 'hi, who are you?');
    const [code] = await sentTo('!eve-dm:fake.test', 1);
    expect(String(code!.body)).toMatch(/pairing code is [A-Z0-9]{8}/);
    expect(matrix.isMember('!eve-group:fake.test')).toBe(false);
    expect(stack.model.requests.length).toBe(requests);
  });

  it('decides a room is a direct chat by who is in it, not by the invitation: a group invited as "direct" keeps group rules', async () => {
    const trap = '!not-direct:fake.test';
    const requests = stack.model.requests.length;
    // An allowed person invites the bot to "a direct chat" that is a room with others invited into it too.
    matrix.invite(trap, friend, true, { invited: ['@eve:fake.test', '@mallory:fake.test'] });
    await expect.poll(() => matrix.isMember(trap), { timeout: 30_000 }).toBe(true);
    matrix.text(trap, friend, 'no mention here, answer me anyway');
    // The barrier: a direct message sent after them is answered, so anything the room's messages caused happened before.
    const before = matrix.sent.filter((m) => m.roomId === direct).length;
    matrix.text(direct, owner, 'after the trap');
    await sentTo(direct, before + 1);
    expect(matrix.sent.filter((m) => m.roomId === trap)).toEqual([]);
    expect(stack.model.requests.length).toBe(requests + 1);
    expect(stack.model.lastUserMessages()).toContain('after the trap');
  });

  it('says once that it cannot read an encrypted room; reads a file', async () => {
    const secret = '!secret:fake.test';
    matrix.room(secret, [owner]);
    matrix.encrypted(secret, owner);
    matrix.encrypted(secret, owner);
    const [notice] = await sentTo(secret, 1);
    expect(notice).toEqual({
      msgtype: 'm.text',
      body: "This room is end-to-end encrypted, and I can't read encrypted messages. Please talk to me in a room without encryption.",
    });

    stack.model.setReply(() => 'noted');
    try {
      const before = (await sentTo(direct, 0)).length;
      const url = matrix.upload(Buffer.from('oat milk\nbread\n'), 'text/plain');
      matrix.message(direct, owner, { msgtype: 'm.file', body: 'list.txt', url, info: { mimetype: 'text/plain', size: 15 } });
      await sentTo(direct, before + 1);
      const lastUser = stack.model.requests
        .at(-1)!
        .messages.filter((m) => m.role === 'user')
        .at(-1)!.content!;
      expect(lastUser).toMatch(
        /^\[The user sent a document "list\.txt" \(text\/plain, 1 kB\), saved in the workspace as media\/inbound\/matrix-[0-9a-f]{24}\.txt\. Its text:\]\noat milk\nbread$/,
      );
    } finally {
      stack.model.setReply(heard);
    }
  });

  it.skipIf(inject('machine').chromium)('sends the screenshot it took as an image', async () => {
    stack.model.setReply((request) =>
      request.messages.some((m) => m.role === 'tool') ? 'here is the screenshot' : { toolCalls: [{ name: 'browser', arguments: { action: 'screenshot' } }] },
    );
    try {
      matrix.text(direct, owner, 'show me your browser');
      await expect.poll(() => matrix.sent.some((m) => m.content.msgtype === 'm.image'), { timeout: 30_000 }).toBe(true);
      const image = matrix.sent.find((m) => m.content.msgtype === 'm.image')!.content;
      expect(image).toMatchObject({ url: expect.stringMatching(/^mxc:\/\//), info: { mimetype: 'image/png' } });
      expect(matrix.mediaBytes(String(image.url))!.subarray(1, 4).toString()).toBe('PNG');
    } finally {
      stack.model.setReply(heard);
    }
  });

  it('shows a slow reply as it is written, in one message edited in place (m.replace)', async () => {
    const answer = Array.from({ length: 12 }, (_, i) => `Sentence ${i + 1} of a reply written slowly.`).join(' ');
    stack.model.setReply(() => answer);
    stack.model.streamPieceDelayMs = 30;
    try {
      const before = matrix.seen(direct).length;
      const editsBefore = matrix.sent.filter((m) => (m.content['m.relates_to'] as { rel_type?: string } | undefined)?.rel_type === 'm.replace').length;
      matrix.text(direct, owner, 'write slowly');
      await expect
        .poll(
          () =>
            matrix
              .seen(direct)
              .slice(before)
              .some((text) => text.endsWith(' …') && answer.startsWith(text.slice(0, -2))),
          { timeout: 15_000 },
        )
        .toBe(true);
      await expect.poll(() => matrix.seen(direct).slice(before), { timeout: 30_000 }).toEqual([answer]);
      const edits = matrix.sent.filter((m) => (m.content['m.relates_to'] as { rel_type?: string } | undefined)?.rel_type === 'm.replace');
      expect(edits.length - editsBefore).toBeGreaterThanOrEqual(2);
      expect(edits.at(-1)!.content).toMatchObject({ body: `* ${answer}`, 'm.new_content': { msgtype: 'm.text', body: answer } });
    } finally {
      stack.model.streamPieceDelayMs = 0;
      stack.model.setReply(heard);
    }
  });

  it('reads back what came while the connector was away, more than one sync shows: every message reaches its session once', async () => {
    const room = '!away:fake.test';
    matrix.room(room, [friend]);
    await stack.kill(connector, 'SIGTERM');
    stack.model.setReply(() => 'ok');
    try {
      for (let i = 1; i <= 130; i++) matrix.text(room, friend, `while you were away ${i}`);
      connector = await stack.startConnector();
      const key = `main:matrix:${friend}`;
      const received = async (): Promise<string[]> =>
        (await stack.transcript(key)).filter((e) => e.role === 'user' && e.text.startsWith('while you were away')).map((e) => e.text);
      await expect.poll(async () => (await received()).length, { timeout: 60_000 }).toBe(130);
      expect(await received()).toEqual(Array.from({ length: 130 }, (_, i) => `while you were away ${i + 1}`));
    } finally {
      stack.model.setReply(heard);
    }
  });

  it('reads a message again after the connector was killed before its session had it: answered once', async () => {
    let release!: () => void;
    matrix.holdMedia = new Promise<void>((resolve) => (release = resolve));
    const before = (await sentTo(direct, 0)).length;
    const requests = stack.model.requests.length;
    const url = matrix.upload(Buffer.from('the safe word'), 'text/plain');
    matrix.message(direct, owner, { msgtype: 'm.file', body: 'note.txt', url, info: { mimetype: 'text/plain', size: 13 }, filename: 'note.txt' });
    matrix.message(direct, owner, { msgtype: 'm.text', body: 'keep this safe' });
    // The connector is fetching the file (the sync that brought it is not yet written down): killed right there.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    connector.child.kill('SIGKILL');
    await connector.exited;
    release();
    matrix.holdMedia = null;
    connector = await stack.startConnector();
    await expect
      .poll(async () => (await sentTo(direct, 0)).slice(before).some((m) => String(m.body).includes('keep this safe')), { timeout: 30_000 })
      .toBe(true);
    const next = await followUpAnswered(
      (text) => matrix.text(direct, owner, text),
      (text) => matrix.sent.some((m) => m.roomId === direct && String(m.content.body).endsWith(text)),
    );
    // The follow-up's reply repeats the conversation: it is not a second answer.
    const after = (await sentTo(direct, 0)).slice(before).filter((m) => !String(m.body).endsWith(next));
    expect(after.filter((m) => String(m.body).includes('keep this safe'))).toHaveLength(1);
    expect(stack.model.lastUserMessages().filter((m) => m === 'keep this safe')).toHaveLength(1);
    // The file and the words (one turn or two), and the follow-up.
    expect(stack.model.requests.length - requests).toBeLessThanOrEqual(3);
  });
});
