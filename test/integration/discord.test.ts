import { afterAll, beforeAll, describe, expect, it, inject } from 'vitest';
import { followUpAnswered } from '../helpers/barrier.js';
import { discordBot, discordGuild, FakeDiscord } from '../helpers/fake-discord.js';
import { noTranscriptionReply } from '../../src/connectors/inbound/inbound.js';
import { heard } from '../helpers/fake-model.js';
import { tinyPdf } from '../helpers/tiny-pdf.js';
import { namespaceForFile } from '../helpers/namespace.js';
import type { CliProcess } from '../helpers/processes.js';
import { TestStack } from '../helpers/test-stack.js';

const ada = { id: '100000000000000042', username: 'ada' };
const dm = '200000000000000001';

describe('Discord through discord.js, against a local REST API and gateway', () => {
  const discord = new FakeDiscord();
  let stack: TestStack;
  let connector: CliProcess;

  beforeAll(async () => {
    await discord.start();
    stack = await TestStack.start({
      namespace: namespaceForFile(import.meta.url),
      config: { channels: { discord: { apiUrl: discord.apiUrl, allowFrom: [ada.id], groups: [discordGuild.channel] } } },
      env: { CLAWFLOW_DISCORD_BOT_TOKEN: 'discord-test-token' },
    });
    stack.model.setReply(heard);
    await stack.startWorker();
    connector = await stack.startConnector();
  });
  afterAll(async () => {
    await stack?.stop();
    await discord.stop();
  });

  const repliesWith = (suffix: string) => discord.posted.filter((p) => String(p.body.content).endsWith(suffix));

  it('answers a direct message as a reply to it, typing meanwhile', async () => {
    const id = discord.userMessage(ada, dm, 'hello from Discord');
    await expect.poll(() => discord.posted.length, { timeout: 30_000 }).toBe(1);
    expect(discord.posted[0]).toEqual({
      channelId: dm,
      body: expect.objectContaining({ content: 'heard: hello from Discord', message_reference: expect.objectContaining({ message_id: id }) }),
    });
    expect(discord.typing).toContain(dm);
    expect(connector.output()).not.toContain('discord-test-token');
  });

  it('shows a slow reply as it is written, in one message edited in place', async () => {
    const answer = Array.from({ length: 10 }, (_, i) => `Line ${i + 1} of a reply written slowly.`).join(' ');
    stack.model.setReply(() => answer);
    stack.model.streamPieceDelayMs = 30;
    try {
      const before = discord.posted.length;
      const edits = discord.edits;
      discord.userMessage(ada, dm, 'write slowly');
      await expect.poll(() => discord.posted.slice(before).some((p) => String(p.body.content).endsWith(' …')), { timeout: 15_000 }).toBe(true);
      await expect.poll(() => discord.posted.slice(before).map((p) => p.body.content), { timeout: 30_000 }).toEqual([answer]);
      expect(discord.edits - edits).toBeGreaterThanOrEqual(2);
    } finally {
      stack.model.streamPieceDelayMs = 0;
      stack.model.setReply(heard);
    }
  });

  it('reads an attached PDF, and tells the sender of a voice message what to set when nothing can transcribe it', async () => {
    stack.model.setReply(() => 'noted');
    try {
      const before = discord.posted.length;
      discord.userMessage(ada, dm, 'what is in it?', undefined, [
        { name: 'minutes.pdf', contentType: 'application/pdf', bytes: tinyPdf(['Meeting minutes', 'Decision: ship on Friday.']) },
      ]);
      await expect.poll(() => discord.posted.length, { timeout: 30_000 }).toBe(before + 1);
      const asked = stack.model.requests
        .at(-1)!
        .messages.filter((m) => m.role === 'user')
        .at(-1)!.content!;
      expect(asked).toMatch(
        /^what is in it\?\n\[The user sent a document "minutes\.pdf" \(application\/pdf, \d+ kB\), saved in the workspace as media\/inbound\/discord-[0-9a-f]{24}\.pdf, 1 page\. Its text:\]\nMeeting minutes\nDecision: ship on Friday\.$/,
      );

      const requests = stack.model.requests.length;
      discord.userMessage(ada, dm, '', undefined, [{ name: 'voice-message.ogg', contentType: 'audio/ogg', bytes: Buffer.from('OggS'), voice: true }]);
      await expect.poll(() => discord.posted.at(-1)?.body.content, { timeout: 30_000 }).toBe(noTranscriptionReply);
      expect(stack.model.requests.length).toBe(requests);
    } finally {
      stack.model.setReply(heard);
    }
  });

  it('survives a dropped gateway connection: resumes, and answers what arrived meanwhile once', async () => {
    discord.dropConnection();
    discord.userMessage(ada, dm, 'sent while the gateway was down');
    await expect.poll(() => discord.resumes, { timeout: 30_000 }).toBeGreaterThan(0);
    await expect.poll(() => repliesWith('sent while the gateway was down').length, { timeout: 30_000 }).toBe(1);

    // A second drop right after a message: resumed again, still answered once.
    discord.userMessage(ada, dm, 'and once more');
    discord.dropConnection();
    await expect.poll(() => repliesWith('and once more').length, { timeout: 30_000 }).toBe(1);
    await followUpAnswered(
      (text) => discord.userMessage(ada, dm, text),
      (text) => repliesWith(text).length > 0,
    );
    expect(repliesWith('sent while the gateway was down')).toHaveLength(1);
    expect(repliesWith('and once more')).toHaveLength(1);
    expect(discord.identifies).toBe(1);
  });

  it('in a guild, answers only when mentioned, in the channel; a thread is a session of its own', async () => {
    const before = discord.posted.length;
    discord.userMessage(ada, discordGuild.channel, 'just chatting here', discordGuild.id);
    discord.userMessage(ada, discordGuild.channel, `<@${discordBot.id}> what is new?`, discordGuild.id);
    await expect.poll(() => discord.posted.length, { timeout: 30_000 }).toBe(before + 1);
    expect(discord.posted.at(-1)).toMatchObject({ channelId: discordGuild.channel, body: { content: 'heard: what is new?' } });

    // A thread it was never mentioned in is not for it; once mentioned there, it follows the thread, which
    // remembers only its own conversation. A stranger's mention is not for it either.
    discord.userMessage(ada, discordGuild.thread, 'chatter in a thread', discordGuild.id);
    discord.userMessage({ id: '200000000000000666', username: 'mallory' }, discordGuild.channel, `<@${discordBot.id}> read USER.md`, discordGuild.id);
    discord.userMessage(ada, discordGuild.thread, `<@${discordBot.id}> first in the thread`, discordGuild.id);
    await expect.poll(() => discord.posted.length, { timeout: 30_000 }).toBe(before + 2);
    expect(discord.posted.at(-1)).toMatchObject({ channelId: discordGuild.thread, body: { content: 'heard: first in the thread' } });
    discord.userMessage(ada, discordGuild.thread, 'and a follow-up', discordGuild.id);
    await expect.poll(() => discord.posted.length, { timeout: 30_000 }).toBe(before + 3);
    expect(discord.posted.at(-1)).toMatchObject({ channelId: discordGuild.thread, body: { content: 'heard: first in the thread | and a follow-up' } });
  });

  it.skipIf(inject('machine').chromium)('splits a long answer at 2,000 characters, and sends the screenshot the agent took', async () => {
    const long = Array.from({ length: 6 }, (_, i) => `Part ${i}: ${'x'.repeat(700)}`).join('\n\n');
    stack.model.setReply((request) =>
      request.messages.some((m) => m.role === 'tool') ? long : { toolCalls: [{ name: 'browser', arguments: { action: 'screenshot' } }] },
    );
    try {
      const before = discord.posted.length;
      discord.userMessage(ada, dm, 'a long one with a picture');
      await expect.poll(() => discord.posted.slice(before).filter((p) => p.body.file).length, { timeout: 30_000 }).toBe(1);
      const texts = discord.posted
        .slice(before)
        .filter((p) => !p.body.file)
        .map((p) => String(p.body.content));
      expect(texts.length).toBeGreaterThanOrEqual(3);
      expect(texts.every((t) => t.length <= 2000)).toBe(true);
      expect(texts.join('\n\n')).toBe(long);
      const image = discord.posted.slice(before).find((p) => p.body.file)!.body.file as Buffer;
      expect(image.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
    } finally {
      stack.model.setReply(heard);
    }
  });

  it('rides out a reconnect storm (20 drops in under a minute) without crashing, losing or doubling a message', async () => {
    const sent: string[] = [];
    for (let i = 0; i < 20; i++) {
      discord.dropConnection();
      if (i % 4 === 0) {
        const text = `storm message ${i}`;
        sent.push(text);
        discord.userMessage(ada, dm, text);
      }
      await new Promise((resolve) => setTimeout(resolve, 700));
    }
    for (const text of sent) await expect.poll(() => repliesWith(text).length, { timeout: 60_000 }).toBe(1);
    await followUpAnswered(
      (text) => discord.userMessage(ada, dm, text),
      (text) => repliesWith(text).length > 0,
    );
    for (const text of sent) expect(repliesWith(text)).toHaveLength(1);
    expect(connector.child.exitCode).toBeNull();
    expect(connector.output()).toMatch(/Discord gateway reconnecting/);
  }, 120_000);
});
