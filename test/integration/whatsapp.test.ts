import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initAuthCreds } from 'baileys';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectorFiles } from '../../src/config/paths.js';
import { useAtomicAuthState } from '../../src/channels/whatsapp/auth-store.js';
import { startDevServer, type DevServer, type DevServerOptions } from '../../src/temporal/dev-server.js';
import { followUpAnswered } from '../helpers/barrier.js';
import { FakeWhatsApp } from '../helpers/fake-whatsapp.js';
import { heard } from '../helpers/fake-model.js';
import { ownDevServerOptions } from '../helpers/own-dev-server.js';
import type { CliProcess } from '../helpers/processes.js';
import { TestStack } from '../helpers/test-stack.js';

const owner = '15550002222';
const stranger = '15550003333';

/**
 * WhatsApp through the real Baileys socket, against a local fake of WhatsApp's chat server (Noise, its binary nodes,
 * Signal-encrypted messages both ways): a real `clawflow connector` linked as a device before the test, on a Temporal
 * dev server of the file's own (one test stops it).
 */
describe('WhatsApp through Baileys, against a local fake of WhatsApp’s chat server', () => {
  const dir = mkdtempSync(join(tmpdir(), 'clawflow-whatsapp-'));
  // The device's login state, as `clawflow channels login whatsapp` leaves it.
  const creds = { ...initAuthCreds(), me: { id: '15550001111:7@s.whatsapp.net', name: 'ClawFlow' }, registered: true, accountSyncCounter: 1 };
  const whatsapp = new FakeWhatsApp(creds);
  let options: DevServerOptions;
  let server: DevServer;
  let stack: TestStack;
  let connector: CliProcess;

  /** The replies sent to `phone`, once there are at least `count`. */
  const repliesTo = async (phone: string, count: number): Promise<string[]> => {
    await expect.poll(() => whatsapp.sentTo(phone).length, { timeout: 30_000 }).toBeGreaterThanOrEqual(count);
    return whatsapp.sentTo(phone).map((m) => m.text);
  };

  beforeAll(async () => {
    options = await ownDevServerOptions(dir);
    server = await startDevServer(options);
    await whatsapp.start();
    stack = await TestStack.start({
      namespace: 'default',
      temporalAddress: server.address,
      config: { channels: { whatsapp: { enabled: true, webSocketUrl: whatsapp.chatUrl, allowFrom: [owner] } } },
    });
    const { state, saveCreds } = await useAtomicAuthState(join(connectorFiles(stack.home).dir, 'whatsapp-auth'));
    Object.assign(state.creds, creds);
    await saveCreds();
    stack.model.setReply(heard);
    await stack.startWorker();
    connector = await stack.startConnector();
    // Linked and logged in: the first test's messages come live, not queued.
    for (const deadline = Date.now() + 30_000; !whatsapp.connected;) {
      if (Date.now() > deadline) throw new Error('the connector did not log in to the fake WhatsApp within 30 s');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  });
  afterAll(async () => {
    await stack?.stop();
    await whatsapp.stop();
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers a direct message once, with its context, encrypted to the contact; a stranger gets a pairing code, not an answer', async () => {
    await whatsapp.message(owner, 'my name is Ada');
    expect(await repliesTo(owner, 1)).toEqual(['heard: my name is Ada']);
    const next = await followUpAnswered(
      (text) => whatsapp.message(owner, text),
      (text) => whatsapp.sentTo(owner).some((m) => m.text.endsWith(text)),
    );
    expect(await repliesTo(owner, 2)).toEqual(['heard: my name is Ada', `heard: my name is Ada | ${next}`]);
    expect(whatsapp.presence.some((p) => p.to.startsWith(owner))).toBe(true);

    await whatsapp.message(stranger, 'who are you?');
    const [pairing] = await repliesTo(stranger, 1);
    expect(pairing).toMatch(/pairing code/i);
    expect(stack.model.lastUserMessages()).not.toContain('who are you?');
    expect(whatsapp.allConfirmed).toBe(true);
  });

  it('answers, once it is back, a message sent while the connector was killed with -9 (WhatsApp keeps it and sends it marked offline)', async () => {
    await stack.kill(connector, 'SIGKILL');
    await whatsapp.message(owner, 'sent while ClawFlow was down');
    connector = await stack.startConnector();
    await expect.poll(() => whatsapp.sentTo(owner).filter((m) => m.text.endsWith('sent while ClawFlow was down')).length, { timeout: 30_000 }).toBe(1);
    await followUpAnswered(
      (text) => whatsapp.message(owner, text),
      (text) => whatsapp.sentTo(owner).some((m) => m.text.endsWith(text)),
    );
    expect(whatsapp.sentTo(owner).filter((m) => m.text.endsWith('sent while ClawFlow was down'))).toHaveLength(1);
  });

  it('answers a message WhatsApp counted delivered while Temporal was down, after the connector was killed with -9 and Temporal came back', async () => {
    await server.stop();
    const id = await whatsapp.message(owner, 'taken in while Temporal was down');
    // Baileys confirmed it to WhatsApp: WhatsApp will not send it again. Only the connector's spool still has it.
    await expect.poll(() => whatsapp.allConfirmed, { timeout: 15_000 }).toBe(true);
    expect(whatsapp.deliveries.get(id)).toBe(1);
    await stack.kill(connector, 'SIGKILL');
    server = await startDevServer(options);
    connector = await stack.startConnector();
    await expect.poll(() => whatsapp.sentTo(owner).filter((m) => m.text.endsWith('taken in while Temporal was down')).length, { timeout: 60_000 }).toBe(1);
    await followUpAnswered(
      (text) => whatsapp.message(owner, text),
      (text) => whatsapp.sentTo(owner).some((m) => m.text.endsWith(text)),
    );
    expect(whatsapp.sentTo(owner).filter((m) => m.text.endsWith('taken in while Temporal was down'))).toHaveLength(1);
    expect(whatsapp.deliveries.get(id)).toBe(1);
  });

  it('writes none of the Signal sessions’ keys to its log (libsignal prints whole sessions to the console)', () => {
    expect(connector.output()).toContain('WhatsApp connected');
    expect(connector.output()).not.toMatch(/privKey|SessionEntry|Closing session/);
  });
});
