import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MockActivityEnvironment } from '@temporalio/testing';
import { afterAll, describe, expect, it } from 'vitest';
import type { ChannelAdapter, ChannelStatus } from '../../src/connectors/channel.js';
import { approvalRequestIdOf, createConnectorActivities } from '../../src/connectors/deliver-activities.js';
import { SentLog } from '../../src/connectors/sent-log.js';
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

describe('deliver: images are files of the agent\'s workspace, and nothing else', () => {
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

  it('sends an image in the workspace; refuses paths that leave it (.., absolute, a link out, ClawFlow\'s own files) and says so in the text', async () => {
    const channel = new RecordingChannel();
    const activities = createConnectorActivities({ adapters: new Map([['fake', channel]]), enabled: ['fake'], sentLog: new SentLog(join(home, 'sent.log')), workspaceDir: workspace, protectedPaths: [secrets] });
    const images = ['media/shot.png', '../secrets/api-token', '../../../../etc/hostname', '/etc/hostname', 'innocent.png'];
    const result = (await new MockActivityEnvironment().run(activities.deliver, { route: { channel: 'fake', chat: 'attacker' }, text: 'here you go', images, idempotencyKey: 'k:1' })) as { parts: number };
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

  it('knows the request only by the key the session\'s approvals make, not by a key a message or a model could shape', () => {
    expect(approvalRequestIdOf('session:main:webchat:abc:approval:8h4hxp')).toBe('8h4hxp');
    expect(approvalRequestIdOf('session:main:webchat:abc:approval:0b6f7c1e-6f1a-4b5e-9c1d-1a2b3c4d5e6f')).toBe('0b6f7c1e-6f1a-4b5e-9c1d-1a2b3c4d5e6f');
    // The message tool's key ends with the model's tool-call id; a command's with the platform's message id.
    expect(approvalRequestIdOf('session:main:webchat:abc:3:message:x:approval:8h4hxp')).toBeUndefined();
    expect(approvalRequestIdOf('session:main:webchat:abc:7')).toBeUndefined();
    expect(approvalRequestIdOf('session:main:webchat:abc:approval:NOT-AN-ID!')).toBeUndefined();
  });

  it('hands the channel the request id with the words, and sends every other delivery as text', async () => {
    const channel = new RecordingChannel();
    const activities = createConnectorActivities({ adapters: new Map([['fake', channel]]), enabled: ['fake'], sentLog: new SentLog(join(home, 'sent.log')), workspaceDir: home, protectedPaths: [] });
    const route = { channel: 'fake', chat: 'me' };
    await new MockActivityEnvironment().run(activities.deliver, { route, text: "I'd like to run (exec):\nls", idempotencyKey: 'session:main:fake:me:approval:abcdef' });
    await new MockActivityEnvironment().run(activities.deliver, { route, text: 'an answer', idempotencyKey: 'session:main:fake:me:4' });
    expect(channel.approvals).toEqual(['abcdef']);
    expect(channel.texts).toEqual(['an answer']);
  });
});
