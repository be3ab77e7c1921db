import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeDiscord } from '../helpers/fake-discord.js';
import { heard } from '../helpers/fake-model.js';
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
      config: { channels: { discord: { apiUrl: discord.apiUrl, allowFrom: [ada.id] } } },
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

  it('survives a dropped gateway connection: resumes, and answers what arrived meanwhile once', async () => {
    discord.dropConnection();
    discord.userMessage(ada, dm, 'sent while the gateway was down');
    await expect.poll(() => discord.resumes, { timeout: 30_000 }).toBeGreaterThan(0);
    await expect.poll(() => repliesWith('sent while the gateway was down').length, { timeout: 30_000 }).toBe(1);

    // A second drop right after a message: resumed again, still answered once.
    discord.userMessage(ada, dm, 'and once more');
    discord.dropConnection();
    await expect.poll(() => repliesWith('and once more').length, { timeout: 30_000 }).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(repliesWith('sent while the gateway was down')).toHaveLength(1);
    expect(repliesWith('and once more')).toHaveLength(1);
    expect(discord.identifies).toBe(1);
  });
});
