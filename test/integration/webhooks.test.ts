import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiToken } from '../../src/config/secrets.js';
import { FakeTelegram } from '../helpers/fake-telegram.js';
import { namespaceForFile } from '../helpers/namespace.js';
import { rawRequest } from '../helpers/raw-http.js';
import { TestStack } from '../helpers/test-stack.js';

describe('webhooks in (POST /hooks/<name>)', () => {
  const telegram = new FakeTelegram();
  const ownerChat = '424242';
  let stack: TestStack;
  let hooksUrl: string;
  let auth: Record<string, string>;

  const call = (name: string, body: unknown, headers: Record<string, string> = {}) =>
    rawRequest(`${hooksUrl}/${name}`, { method: 'POST', headers: { 'content-type': 'application/json', ...auth, ...headers }, body: JSON.stringify(body) });

  beforeAll(async () => {
    await telegram.start();
    stack = await TestStack.start({
      namespace: namespaceForFile(import.meta.url),
      config: {
        channels: { telegram: { apiRoot: telegram.apiRoot, allowFrom: [ownerChat], pollTimeoutSeconds: 1 } },
        hooks: {
          deploy: { message: 'Deploy of {{service}} finished: {{result.status}}', to: `telegram:${ownerChat}`, idempotencyField: 'id' },
          inbox: {},
        },
      },
      env: { CLAWFLOW_TELEGRAM_BOT_TOKEN: '123456:HOOK-token' },
    });
    await stack.startWorker();
    await stack.startConnector();
    const api = await stack.startApi();
    hooksUrl = api.url.replace(/\/v1$/, '/hooks');
    auth = { authorization: `Bearer ${apiToken(stack.config)}` };
  });
  afterAll(async () => {
    await stack?.stop();
    await telegram.stop();
  });

  it('turns a JSON body into one turn whose answer reaches the Telegram chat once, however often the sender retries', async () => {
    const body = { id: 'delivery-7', service: 'api', result: { status: 'green' } };
    // The body's id, twice, then the same key as an Idempotency-Key header (a sender that retries).
    const answers = [await call('deploy', body), await call('deploy', body), await call('deploy', { ...body, id: 'other' }, { 'idempotency-key': 'delivery-7' })];
    expect(answers.map((a) => a.status)).toEqual([202, 202, 202]);
    expect(answers.map((a) => (JSON.parse(a.body) as { status: string }).status)).toEqual(['accepted', 'duplicate', 'duplicate']);

    const toOwner = (): string[] => telegram.sent().filter((m) => String(m.chat_id) === ownerChat).map((m) => String(m.text));
    await expect.poll(toOwner, { timeout: 30_000 }).toEqual(['reply to: Deploy of api finished: green']);
    await new Promise((resolve) => setTimeout(resolve, 3000));
    expect(toOwner()).toEqual(['reply to: Deploy of api finished: green']);
    expect(stack.model.lastUserMessages().filter((m) => m === 'Deploy of api finished: green')).toHaveLength(1);
  });

  it('keeps an answer in its session when the hook names no chat, the whole body in the message', async () => {
    const answer = await call('inbox', { subject: 'hello' }, { 'idempotency-key': 'mail-1' });
    expect(answer.status).toBe(202);
    const { sessionKey } = JSON.parse(answer.body) as { sessionKey: string };
    expect(sessionKey).toBe('main:hook:inbox-mail-1');
    const transcript = await stack.waitForTurns(sessionKey, 1);
    expect(transcript.find((e) => e.role === 'user')?.text).toContain('"subject": "hello"');
  });

  it('refuses a wrong token, an unknown hook and a body that is not JSON, starting nothing', async () => {
    const before = stack.model.requests.length;
    expect((await call('deploy', { id: 'x1' }, { authorization: 'Bearer wrong' })).status).toBe(401);
    const unknown = await call('nope', { id: 'x2' });
    expect(unknown.status).toBe(404);
    expect(unknown.body).toContain('hooks: deploy, inbox');
    expect((await rawRequest(`${hooksUrl}/deploy`, { method: 'POST', headers: { 'content-type': 'application/json', ...auth }, body: '{not json' })).status).toBe(400);
    expect((await rawRequest(`${hooksUrl}/deploy`, { method: 'POST', headers: { 'content-type': 'text/plain', ...auth }, body: '{}' })).status).toBe(415);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(stack.model.requests.length).toBe(before);
    await expect(stack.client.workflow.getHandle('hook:deploy:x1').describe()).rejects.toThrow();
  });
});
