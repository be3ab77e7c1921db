import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MockActivityEnvironment } from '@temporalio/testing';
import { afterAll, describe, expect, it } from 'vitest';
import type { ChannelAdapter, ChannelStatus } from '../../src/connectors/channel.js';
import { createConnectorActivities } from '../../src/connectors/deliver-activities.js';
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
