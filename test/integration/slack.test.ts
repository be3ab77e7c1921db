import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { followUpAnswered } from '../helpers/barrier.js';
import { heard } from '../helpers/fake-model.js';
import { FakeSlack, signSlackRequest, slackBot } from '../helpers/fake-slack.js';
import { namespaceForFile } from '../helpers/namespace.js';
import { freePort } from '../helpers/ports.js';
import type { CliProcess } from '../helpers/processes.js';
import { TestStack } from '../helpers/test-stack.js';
import { tinyPdf } from '../helpers/tiny-pdf.js';

async function startStack(
  slack: FakeSlack,
  owner: string,
  settings: Record<string, unknown>,
  env: NodeJS.ProcessEnv,
): Promise<{ stack: TestStack; connector: CliProcess }> {
  const stack = await TestStack.start({
    namespace: namespaceForFile(import.meta.url),
    config: { channels: { slack: { apiUrl: slack.apiUrl, allowFrom: [owner], groups: ['C0GENERAL'], ...settings } } },
    env: { CLAWFLOW_SLACK_BOT_TOKEN: 'xoxb-test-token', ...env },
  });
  stack.model.setReply(heard);
  await stack.startWorker();
  const connector = await stack.startConnector();
  return { stack, connector };
}

describe('Slack through Bolt in Socket Mode, against a local Web API and WebSocket', () => {
  const owner = 'U0OWNER01';
  const slack = new FakeSlack();
  let stack: TestStack;
  let connector: CliProcess;

  beforeAll(async () => {
    await slack.start();
    ({ stack, connector } = await startStack(slack, owner, { mode: 'socket' }, { CLAWFLOW_SLACK_APP_TOKEN: 'xapp-test-token' }));
  });
  afterAll(async () => {
    await stack?.stop();
    await slack.stop();
  });

  it('answers a channel mention in its thread, and acknowledges the event once handed over', async () => {
    await expect.poll(() => slack.connected()).toBe(true);
    const event = slack.messageEvent({ channel: 'C0GENERAL', user: owner, text: `<@${slackBot.userId}> what is up?`, channel_type: 'channel' });
    const envelope = slack.sendEnvelope(event);
    await expect.poll(() => slack.posted.length, { timeout: 30_000 }).toBe(1);
    expect(slack.posted[0]).toMatchObject({ channel: 'C0GENERAL', text: 'heard: what is up?', thread_ts: event.event.ts });
    expect(slack.acks).toContain(envelope);
    expect(connector.output()).not.toContain('xoxb-test-token');
  });

  it("follows a thread it was mentioned in, and keeps out of threads it never joined and of strangers' mentions", async () => {
    const mentioned = slack.posted.find((p) => p.text === 'heard: what is up?')!;
    const requests = stack.model.requests.length;
    const before = slack.posted.length;
    // Someone else's thread, and a stranger's mention: not for the agent.
    slack.sendEnvelope(
      slack.messageEvent({ channel: 'C0GENERAL', user: owner, text: 'a thread of our own', channel_type: 'channel', thread_ts: '1700000000.000001' }),
    );
    slack.sendEnvelope(slack.messageEvent({ channel: 'C0GENERAL', user: 'U0STRANGER', text: `<@${slackBot.userId}> read USER.md`, channel_type: 'channel' }));
    // In the thread it was mentioned in, it answers without being mentioned again.
    slack.sendEnvelope(
      slack.messageEvent({ channel: 'C0GENERAL', user: owner, text: 'and then?', channel_type: 'channel', thread_ts: String(mentioned.thread_ts) }),
    );
    await expect.poll(() => slack.posted.length, { timeout: 30_000 }).toBe(before + 1);
    expect(slack.posted.at(-1)).toMatchObject({ channel: 'C0GENERAL', thread_ts: mentioned.thread_ts, text: 'heard: what is up? | and then?' });
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect(slack.posted.length).toBe(before + 1);
    expect(stack.model.requests.length).toBe(requests + 1);
  });

  it('ignores channel chatter that does not mention it, and answers direct messages', async () => {
    const before = slack.posted.length;
    slack.sendEnvelope(slack.messageEvent({ channel: 'C0GENERAL', user: owner, text: 'just chatting', channel_type: 'channel' }));
    slack.sendEnvelope(slack.messageEvent({ channel: 'D0DIRECT1', user: owner, text: 'hello in private', channel_type: 'im' }));
    await expect.poll(() => slack.posted.length, { timeout: 30_000 }).toBe(before + 1);
    expect(slack.posted.at(-1)).toMatchObject({ channel: 'D0DIRECT1', text: 'heard: hello in private' });
    expect(slack.posted.at(-1)!.thread_ts).toBeUndefined();
  });

  it("reads shared files with the bot token: a PDF's text and a picture reach the model; the token goes to no other host", async () => {
    const requests = stack.model.requests.length;
    const picture = await sharp({ create: { width: 64, height: 48, channels: 3, background: '#00ff00' } })
      .png()
      .toBuffer();
    const files = [
      slack.sharedFile('notes.pdf', 'application/pdf', tinyPdf(['Meeting moved to Friday 10:00.'])),
      slack.sharedFile('green.png', 'image/png', picture),
    ];
    slack.sendEnvelope(slack.messageEvent({ channel: 'D0DIRECT1', user: owner, text: 'see attached', channel_type: 'im', subtype: 'file_share', files }));
    await expect.poll(() => stack.model.requests.length, { timeout: 30_000 }).toBeGreaterThan(requests);
    const asked = stack.model.requests.at(-1)!.messages.at(-1)!;
    expect(asked.content).toMatch(
      /^see attached\n\[The user sent a document "notes\.pdf" \(application\/pdf, \d+ kB\), saved in the workspace as media\/inbound\/slack-[0-9a-f]{24}\.pdf, 1 page\. Its text:\]\nMeeting moved to Friday 10:00\.\n\[The user sent an image "green\.png" \(image\/png, \d+ kB\), saved in the workspace as media\/inbound\/slack-[0-9a-f]{24}\.png\]$/,
    );
    expect(asked.images).toHaveLength(1);
    expect(slack.fileDownloads.map((d) => d.authorization)).toEqual(['Bearer xoxb-test-token', 'Bearer xoxb-test-token']);

    // A file an event places elsewhere is not fetched with the token: the message goes on without it.
    const elsewhere = {
      ...slack.sharedFile('x.png', 'image/png', picture),
      url_private_download: 'https://collector.example/steal',
      url_private: 'https://collector.example/steal',
    };
    slack.sendEnvelope(
      slack.messageEvent({ channel: 'D0DIRECT1', user: owner, text: 'one more', channel_type: 'im', subtype: 'file_share', files: [elsewhere] }),
    );
    await expect.poll(() => stack.model.requests.at(-1)!.messages.at(-1)!.content, { timeout: 30_000 }).toBe('one more');
    expect(slack.fileDownloads).toHaveLength(2);
    await expect.poll(() => String(slack.posted.at(-1)?.text).endsWith('| one more'), { timeout: 30_000 }).toBe(true);
  });

  it('shows a slow reply as it is written, in one message updated in place (chat.update)', async () => {
    const answer = Array.from({ length: 10 }, (_, i) => `Line ${i + 1} of a reply written slowly.`).join(' ');
    stack.model.setReply(() => answer);
    stack.model.streamPieceDelayMs = 30;
    try {
      const before = slack.posted.length;
      const updates = slack.updates;
      slack.sendEnvelope(slack.messageEvent({ channel: 'D0DIRECT1', user: owner, text: 'write slowly', channel_type: 'im' }));
      await expect.poll(() => slack.posted.slice(before).some((p) => String(p.text).endsWith(' …')), { timeout: 15_000 }).toBe(true);
      await expect.poll(() => slack.posted.slice(before).map((p) => p.text), { timeout: 30_000 }).toEqual([answer]);
      expect(slack.updates - updates).toBeGreaterThanOrEqual(2);
    } finally {
      stack.model.streamPieceDelayMs = 0;
      stack.model.setReply(heard);
    }
  });

  it('answers a retried event (same event id) once', async () => {
    const requests = stack.model.requests.length;
    const event = slack.messageEvent({ channel: 'D0DIRECT1', user: owner, text: 'only once', channel_type: 'im' });
    slack.sendEnvelope(event);
    slack.sendEnvelope(event, 1);
    await expect.poll(() => slack.posted.filter((p) => p.text?.endsWith('only once')).length, { timeout: 30_000 }).toBe(1);
    await followUpAnswered(
      (text) => slack.sendEnvelope(slack.messageEvent({ channel: 'D0DIRECT1', user: owner, text, channel_type: 'im' })),
      (text) => slack.posted.some((p) => p.text?.endsWith(text)),
    );
    expect(slack.posted.filter((p) => p.text?.endsWith('only once'))).toHaveLength(1);
    expect(stack.model.requests.length - requests).toBe(2);
  });
});

describe('Slack through Bolt over the HTTP Events API', () => {
  // Another person than above: both blocks share a namespace, and a session keeps its history.
  const owner = 'U0OWNER02';
  const slack = new FakeSlack();
  const signingSecret = 'test-signing-secret';
  let stack: TestStack;
  let events: string;

  beforeAll(async () => {
    await slack.start();
    const port = await freePort();
    events = `http://127.0.0.1:${port}/slack/events`;
    ({ stack } = await startStack(slack, owner, { mode: 'http', httpPort: port }, { CLAWFLOW_SLACK_SIGNING_SECRET: signingSecret }));
  });
  afterAll(async () => {
    await stack?.stop();
    await slack.stop();
  });

  const post = (body: string, headers: Record<string, string>): Promise<Response> => fetch(events, { method: 'POST', headers, body });

  it('answers a signed event, answers its retry once, and refuses a badly signed request', async () => {
    const body = JSON.stringify(slack.messageEvent({ channel: 'D0DIRECT2', user: owner, text: 'over http', channel_type: 'im' }));
    expect((await post(body, signSlackRequest(signingSecret, body))).status).toBe(200);
    expect((await post(body, { ...signSlackRequest(signingSecret, body), 'x-slack-retry-num': '1', 'x-slack-retry-reason': 'http_timeout' })).status).toBe(200);
    await expect.poll(() => slack.posted.filter((p) => p.text === 'heard: over http').length, { timeout: 30_000 }).toBe(1);

    const forged = JSON.stringify(slack.messageEvent({ channel: 'D0DIRECT2', user: owner, text: 'forged', channel_type: 'im' }));
    expect((await post(forged, signSlackRequest('not-the-secret', forged))).status).toBe(401);
    // Signed, but not what Slack sends (the fuzzer found Bolt answering this with a 500): refused, saying why.
    const shapeless = JSON.stringify({ event: false, turn: {} });
    const refused = await post(shapeless, signSlackRequest(signingSecret, shapeless));
    expect([refused.status, await refused.text()]).toEqual([
      400,
      'not a Slack request: type: Invalid input: expected string, received undefined; event: Invalid input: expected object, received boolean',
    ]);
    await followUpAnswered(
      async (text) => {
        const next = JSON.stringify(slack.messageEvent({ channel: 'D0DIRECT2', user: owner, text, channel_type: 'im' }));
        expect((await post(next, signSlackRequest(signingSecret, next))).status).toBe(200);
      },
      (text) => slack.posted.some((p) => p.text?.endsWith(text)),
    );
    expect(slack.posted.filter((p) => p.text === 'heard: over http')).toHaveLength(1);
    expect(slack.posted.some((p) => p.text?.includes('forged'))).toBe(false);
  });
});
