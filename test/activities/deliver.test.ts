import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MockActivityEnvironment } from '@temporalio/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { ChannelSendError, type ChannelAdapter, type ChannelStatus } from '../../src/contracts/channel-adapter.js';
import { approvalRequestIdOf, createConnectorActivities } from '../../src/activities/deliver.js';
import { ReplyPreviews } from '../../src/connectors/outbound/reply-previews.js';
import { SentLog } from '../../src/connectors/outbound/sent-log.js';
import { createLogger } from '../../src/logger.js';
import type { ReplyRoute } from '../../src/contracts/session-records.js';

/** A channel that records what it was asked to send: texts, and the files of images. */
class RecordingChannel implements ChannelAdapter {
  readonly channel = 'fake';
  readonly messageLimit = 4000;
  readonly texts: string[] = [];
  readonly files: string[] = [];
  start(): Promise<void> {
    return Promise.resolve();
  }
  stop(): Promise<void> {
    return Promise.resolve();
  }
  status(): ChannelStatus {
    return { channel: 'fake', state: 'connected' };
  }
  send(_route: ReplyRoute, text: string): Promise<void> {
    this.texts.push(text);
    return Promise.resolve();
  }
  sendImage(_route: ReplyRoute, file: string): Promise<void> {
    this.files.push(file);
    return Promise.resolve();
  }
  typing(): Promise<void> {
    return Promise.resolve();
  }
  readonly approvals: string[] = [];
  sendApproval(_route: ReplyRoute, _text: string, requestId: string): Promise<void> {
    this.approvals.push(requestId);
    return Promise.resolve();
  }
}

describe("deliver: images are files of the agent's workspace, and nothing else", () => {
  const home = mkdtempSync(join(tmpdir(), 'clawflow-deliver-'));
  const workspace = join(home, 'workspace');
  const secrets = join(home, 'secrets');
  mkdirSync(join(workspace, 'media'), { recursive: true });
  mkdirSync(secrets, { recursive: true });
  writeFileSync(join(workspace, 'media', 'shot.png'), 'png');
  writeFileSync(join(secrets, 'api-token'), 'the install token');
  // A link inside the workspace that leads out of it, and one inside it that leads to a protected file.
  symlinkSync(join(secrets, 'api-token'), join(workspace, 'innocent.png'));
  afterAll(() => rmSync(home, { recursive: true, force: true }));

  it("sends an image in the workspace; refuses paths that leave it (.., absolute, a link out, ClawFlow's own files) and says so in the text", async () => {
    const channel = new RecordingChannel();
    const activities = createConnectorActivities({
      adapters: new Map([['fake', channel]]),
      enabled: ['fake'],
      sentLog: new SentLog(join(home, 'sent.log')),
      workspaceDir: workspace,
      protectedPaths: [secrets],
    });
    const images = ['media/shot.png', '../secrets/api-token', '../../../../etc/hostname', '/etc/hostname', 'innocent.png'];
    const result = (await new MockActivityEnvironment().run(activities.deliver, {
      route: { channel: 'fake', chat: 'attacker' },
      text: 'here you go',
      images,
      idempotencyKey: 'k:1',
    })) as { parts: number };
    expect(channel.files).toEqual([join(workspace, 'media', 'shot.png')]);
    expect(result.parts).toBe(2);
    expect(channel.texts).toHaveLength(1);
    const [text] = channel.texts;
    expect(text!.startsWith('here you go\n\n')).toBe(true);
    expect(text!.match(/\(an image was not sent: /g)).toHaveLength(4);
  });
});

describe('deliver: an approval request goes to the channel as one, where it has buttons', () => {
  const home = mkdtempSync(join(tmpdir(), 'clawflow-deliver-'));
  afterAll(() => rmSync(home, { recursive: true, force: true }));

  it("knows the request only by the key the session's approvals make, not by a key a message or a model could shape", () => {
    expect(approvalRequestIdOf('session:main:webchat:abc:approval:8h4hxp')).toBe('8h4hxp');
    expect(approvalRequestIdOf('session:main:webchat:abc:approval:0b6f7c1e-6f1a-4b5e-9c1d-1a2b3c4d5e6f')).toBe('0b6f7c1e-6f1a-4b5e-9c1d-1a2b3c4d5e6f');
    // The message tool's key ends with the model's tool-call id; a command's with the platform's message id.
    expect(approvalRequestIdOf('session:main:webchat:abc:3:message:x:approval:8h4hxp')).toBeUndefined();
    expect(approvalRequestIdOf('session:main:webchat:abc:7')).toBeUndefined();
    expect(approvalRequestIdOf('session:main:webchat:abc:approval:NOT-AN-ID!')).toBeUndefined();
  });

  it('hands the channel the request id with the words, and sends every other delivery as text', async () => {
    const channel = new RecordingChannel();
    const activities = createConnectorActivities({
      adapters: new Map([['fake', channel]]),
      enabled: ['fake'],
      sentLog: new SentLog(join(home, 'sent.log')),
      workspaceDir: home,
      protectedPaths: [],
    });
    const route = { channel: 'fake', chat: 'me' };
    await new MockActivityEnvironment().run(activities.deliver, {
      route,
      text: "I'd like to run (exec):\nls",
      idempotencyKey: 'session:main:fake:me:approval:abcdef',
    });
    await new MockActivityEnvironment().run(activities.deliver, { route, text: 'an answer', idempotencyKey: 'session:main:fake:me:4' });
    expect(channel.approvals).toEqual(['abcdef']);
    expect(channel.texts).toEqual(['an answer']);
  });
});

/** A channel that shows replies as they are written (post, then edit), and whose edits' answers can be lost. */
class StreamingChannel extends RecordingChannel {
  readonly posts: string[] = [];
  readonly edits: Array<{ id: string; text: string }> = [];
  /** How many edits still lose their answer: made on the platform, then failed as a timeout would. */
  loseEditAnswers = 0;
  post(_route: ReplyRoute, text: string): Promise<string> {
    this.posts.push(text);
    return Promise.resolve(String(this.posts.length));
  }
  edit(_route: ReplyRoute, id: string, text: string): Promise<void> {
    this.edits.push({ id, text });
    if (this.loseEditAnswers-- > 0) return Promise.reject(new ChannelSendError('the answer to the edit was lost', true));
    return Promise.resolve();
  }
}

describe('deliver: a reply shown as it was written ends as one message', () => {
  const home = mkdtempSync(join(tmpdir(), 'clawflow-deliver-previews-'));
  afterAll(() => rmSync(home, { recursive: true, force: true }));

  it('edits the shown message into the final text, again when the edit went out and its answer did not come back, and after a restart: never a second message', async () => {
    const channel = new StreamingChannel();
    const previewFile = join(home, 'previews.jsonl');
    const sentLog = new SentLog(join(home, 'sent.log'));
    const activitiesWith = (previews: ReplyPreviews) =>
      createConnectorActivities({ adapters: new Map([['fake', channel]]), enabled: ['fake'], sentLog, previews, workspaceDir: home, protectedPaths: [] });
    const route = { channel: 'fake', chat: 'me' };
    const previews = new ReplyPreviews(new Map([['fake', channel]]), ['fake'], previewFile, createLogger('silent'));
    previews.delta({ key: 'session:main:fake:me:7', route, stream: 'a', text: 'The answer is' });
    await expect.poll(() => channel.posts).toEqual(['The answer is …']);

    // The final edit reaches the platform, its answer is lost: the delivery fails and is tried again.
    channel.loseEditAnswers = 1;
    const delivery = { route, text: 'The answer is 42.', idempotencyKey: 'session:main:fake:me:7' };
    await expect(new MockActivityEnvironment().run(activitiesWith(previews).deliver, delivery)).rejects.toThrow(/answer to the edit was lost/);
    // The connector killed meanwhile: a new one, from what is on disk, delivers it.
    await new MockActivityEnvironment().run(
      activitiesWith(new ReplyPreviews(new Map([['fake', channel]]), ['fake'], previewFile, createLogger('silent'))).deliver,
      delivery,
    );
    expect(channel.edits).toEqual([
      { id: '1', text: 'The answer is 42.' },
      { id: '1', text: 'The answer is 42.' },
    ]);
    expect(channel.texts).toEqual([]);
    // Delivered: a late piece of the same reply shows nothing.
    previews.delta({ key: 'session:main:fake:me:7', route, stream: 'b', text: 'The answer' });
    await new Promise((resolve) => setTimeout(resolve, 1200));
    expect(channel.posts).toHaveLength(1);
    expect(channel.edits).toHaveLength(2);
  });
});
