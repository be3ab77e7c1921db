import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { parseSessionKey, sessionWorkflowId } from '../../src/contracts/session-key.js';
import { FakeTelegram } from '../helpers/fake-telegram.js';
import { namespaceForFile } from '../helpers/namespace.js';
import type { CliProcess } from '../helpers/processes.js';
import { TestStack } from '../helpers/test-stack.js';
import { decodedHistoryText } from '../helpers/history-text.js';

const botToken = '987654:SECRET-bot-token-never-stored';
const owner = { id: 4242, first_name: 'Ada' };

describe('secrets never reach workflow history, the database or the logs', () => {
  const telegram = new FakeTelegram();
  let stack: TestStack;
  let connector: CliProcess;

  beforeAll(async () => {
    await telegram.start();
    stack = await TestStack.start({
      namespace: namespaceForFile(import.meta.url),
      config: { agent: { retryForSeconds: 3 }, channels: { telegram: { apiRoot: telegram.apiRoot, allowFrom: [String(owner.id)], pollTimeoutSeconds: 1 } } },
      env: { CLAWFLOW_TELEGRAM_BOT_TOKEN: botToken },
    });
    await stack.startWorker();
    connector = await stack.startConnector();
  });
  afterAll(async () => {
    await stack?.stop();
    await telegram.stop();
  });

  it("keeps the Telegram bot token out of a failed send's error, wherever that error goes", async () => {
    // The model answers once Telegram is gone: the reply's delivery fails with the request URL (token and all).
    stack.model.hold();
    telegram.userMessage(owner, 'answer me when the Bot API is down');
    await stack.model.waitForRequests(1);
    await telegram.stop();
    stack.model.setReply(() => 'nobody will see this');
    stack.model.release();

    const handle = stack.client.workflow.getHandle(sessionWorkflowId(parseSessionKey(`main:telegram:${owner.id}`)));
    // The delivery gives up after retryForSeconds; its failure is then in history.
    await expect
      .poll(async () => /Telegram is unreachable|sending to Telegram failed/.test(JSON.stringify(await handle.fetchHistory())), { timeout: 30_000 })
      .toBe(true);
    const history = JSON.stringify(await handle.fetchHistory());
    expect(history).not.toContain(botToken);
    expect(history).not.toContain('SECRET-bot-token');

    // Nor in the server's database (the SQLite file and its write-ahead log), nor the connector's log.
    const dbDir = dirname(inject('temporalDbFile'));
    for (const file of readdirSync(dbDir).filter((f) => f.startsWith('temporal.sqlite'))) {
      expect(readFileSync(join(dbDir, file)).includes(Buffer.from('SECRET-bot-token')), file).toBe(false);
    }
    expect(connector.output()).not.toContain('SECRET-bot-token');
  });

  it("keeps what users say out of Temporal's database: a unique phrase is ciphertext there, and the workers still read it", async () => {
    const phrase = `my locker code is ${Math.random().toString(36).slice(2)}-zebra`;
    stack.model.setReply((r) => `noted: ${r.messages.at(-1)?.content}`);
    expect((await stack.send('main:cli:locker', phrase)).text).toBe(`noted: ${phrase}`);
    // The session's history, opened with the install's key, holds it (message, model reply, transcript line)…
    expect((await decodedHistoryText(stack, 'main:cli:locker')).includes(phrase)).toBe(true);
    // …and not one of the server's files does, in any form the payloads could take.
    const dbDir = dirname(inject('temporalDbFile'));
    for (const file of readdirSync(dbDir).filter((f) => f.startsWith('temporal.sqlite'))) {
      const bytes = readFileSync(join(dbDir, file));
      for (const form of [phrase, Buffer.from(phrase).toString('base64').slice(4, 40), JSON.stringify(phrase).slice(1, -1)])
        expect(bytes.includes(Buffer.from(form)), `${file}: ${form}`).toBe(false);
    }
    // The transcript on this machine keeps it readable (it is the user's own file, not the server's).
    expect((await stack.transcript('main:cli:locker')).map((e) => e.text)).toContain(phrase);
  });
});
