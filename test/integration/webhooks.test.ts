import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiToken, hookToken } from '../../src/config/secrets.js';
import { runCli } from '../helpers/processes.js';
import { FakeTelegram } from '../helpers/fake-telegram.js';
import { namespaceForFile } from '../helpers/namespace.js';
import { rawRequest } from '../helpers/raw-http.js';
import { TestStack } from '../helpers/test-stack.js';
import { deliveryKey } from '../../src/api/webhooks.js';

describe('webhooks in (POST /hooks/<name>)', () => {
  const telegram = new FakeTelegram();
  const ownerChat = '424242';
  let stack: TestStack;
  let hooksUrl: string;

  /** A sender's call, with the hook's own token. */
  const call = (name: string, body: unknown, headers: Record<string, string> = {}) =>
    rawRequest(`${hooksUrl}/${name}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${hookToken(stack.config, name) ?? ''}`, ...headers },
      body: JSON.stringify(body),
    });

  beforeAll(async () => {
    await telegram.start();
    stack = await TestStack.start({
      namespace: namespaceForFile(import.meta.url),
      config: {
        channels: { telegram: { apiRoot: telegram.apiRoot, allowFrom: [ownerChat], pollTimeoutSeconds: 1 } },
        hooks: {
          deploy: { message: 'Deploy of {{service}} finished: {{result.status}}', to: `telegram:${ownerChat}`, idempotencyField: 'id' },
          inbox: {},
          mainline: { session: 'main', message: 'Alert: {{text}}' },
        },
      },
      env: { CLAWFLOW_TELEGRAM_BOT_TOKEN: '123456:HOOK-token' },
    });
    await stack.startWorker();
    await stack.startConnector();
    const api = await stack.startApi();
    hooksUrl = api.url.replace(/\/v1$/, '/hooks');
  });
  afterAll(async () => {
    await stack?.stop();
    await telegram.stop();
  });

  it('turns a JSON body into one turn whose answer reaches the Telegram chat once, however often the sender retries', async () => {
    const body = { id: 'delivery-7', service: 'api', result: { status: 'green' } };
    // The body's id, twice, then the same key as an Idempotency-Key header (a sender that retries).
    const answers = [
      await call('deploy', body),
      await call('deploy', body),
      await call('deploy', { ...body, id: 'other' }, { 'idempotency-key': 'delivery-7' }),
    ];
    expect(answers.map((a) => a.status)).toEqual([202, 202, 202]);
    expect(answers.map((a) => (JSON.parse(a.body) as { status: string }).status)).toEqual(['accepted', 'duplicate', 'duplicate']);

    const toOwner = (): string[] =>
      telegram
        .sent()
        .filter((m) => String(m.chat_id) === ownerChat)
        .map((m) => String(m.text));
    // The owner's template as written; the sender's fields marked as the sender's words, as a web page's are.
    const told =
      'Deploy of <<<UNTRUSTED WEB CONTENT from the webhook deploy (field service)>>>\napi\n<<<END UNTRUSTED WEB CONTENT>>> finished: <<<UNTRUSTED WEB CONTENT from the webhook deploy (field result.status)>>>\ngreen\n<<<END UNTRUSTED WEB CONTENT>>>';
    await expect.poll(toOwner, { timeout: 30_000 }).toEqual([`reply to: ${told}`]);
    // The hook's turn is over (its workflow done, the only one the three calls started): nothing more can come of it.
    await stack.client.workflow.getHandle((JSON.parse(answers[0]!.body) as { workflowId: string }).workflowId).result();
    expect(toOwner()).toEqual([`reply to: ${told}`]);
    expect(stack.model.lastUserMessages().filter((m) => m === told)).toHaveLength(1);
  });

  it("wants the hook's own token: not the API's, not another hook's", async () => {
    const before = stack.model.requests.length;
    expect((await call('deploy', { id: 'api-token' }, { authorization: `Bearer ${apiToken(stack.config)}` })).status).toBe(401);
    expect((await call('deploy', { id: 'other-hook' }, { authorization: `Bearer ${hookToken(stack.config, 'inbox')}` })).status).toBe(401);
    expect((await runCli(['config', '--hook-token', 'deploy'], stack.env)).output.trim()).toBe(hookToken(stack.config, 'deploy'));
    expect(hookToken(stack.config, 'deploy')).not.toBe(hookToken(stack.config, 'inbox'));
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(stack.model.requests.length).toBe(before);
  });

  it('gives delivery keys that differ anywhere turns of their own', async () => {
    const keys = ['build/1', 'build_1', 'build 1'];
    const answers = await Promise.all(keys.map((key) => call('inbox', { n: key }, { 'idempotency-key': key })));
    const accepted = answers.map((a) => JSON.parse(a.body) as { status: string; sessionKey: string });
    expect(accepted.map((a) => a.status)).toEqual(['accepted', 'accepted', 'accepted']);
    expect(new Set(accepted.map((a) => a.sessionKey)).size).toBe(3);
  });

  it("keeps a main-session hook's answer in the main session when it names no chat (not the owner's last chat)", async () => {
    // The owner talks in the main session from Telegram first: its last chat is theirs.
    await stack.send('main:main:main', 'hello from the owner', { route: { channel: 'telegram', chat: ownerChat } });
    await expect.poll(() => telegram.sent().filter((m) => String(m.chat_id) === ownerChat).length, { timeout: 30_000 }).toBeGreaterThan(1);
    const before = telegram.sent().length;
    const answer = await call('mainline', { text: 'disk at 91%' }, { 'idempotency-key': 'alert-1' });
    expect(JSON.parse(answer.body)).toMatchObject({ status: 'accepted', sessionKey: 'main:main:main' });
    const { workflowId } = JSON.parse(answer.body) as { workflowId: string };
    expect(await stack.client.workflow.getHandle(workflowId).result()).toMatchObject({ status: 'recorded' });
    expect(telegram.sent().length).toBe(before);
    expect((await stack.transcript('main:main:main')).some((e) => e.role === 'user' && e.text.includes('disk at 91%'))).toBe(true);
  });

  it('keeps an answer in its session when the hook names no chat, the whole body in the message', async () => {
    const answer = await call('inbox', { subject: 'hello' }, { 'idempotency-key': 'mail-1' });
    expect(answer.status).toBe(202);
    const { sessionKey } = JSON.parse(answer.body) as { sessionKey: string };
    expect(sessionKey).toMatch(/^main:hook:inbox-mail-1~[0-9a-f]{32}$/);
    const transcript = await stack.waitForTurns(sessionKey, 1);
    expect(transcript.find((e) => e.role === 'user')?.text).toContain(
      '<<<UNTRUSTED WEB CONTENT from the webhook inbox (its body)>>>\n{\n  "subject": "hello"\n}',
    );
  });

  it('refuses a wrong token, an unknown hook and a body that is not JSON, starting nothing', async () => {
    const before = stack.model.requests.length;
    expect((await call('deploy', { id: 'x1' }, { authorization: 'Bearer wrong' })).status).toBe(401);
    // An unknown hook is a wrong token to anyone but the API token's holder: no way to find out which hooks exist.
    const unknown = await call('nope', { id: 'x2' });
    expect(unknown.status).toBe(401);
    expect(unknown.body).not.toContain('deploy');
    // The API token's holder is told which hooks there are.
    const listed = await call('nope', { id: 'x2' }, { authorization: `Bearer ${apiToken(stack.config)}` });
    expect(listed.status).toBe(404);
    expect(listed.body).toContain('hooks: deploy, inbox, mainline');
    const auth = { authorization: `Bearer ${hookToken(stack.config, 'deploy')}` };
    expect(
      (await rawRequest(`${hooksUrl}/deploy`, { method: 'POST', headers: { 'content-type': 'application/json', ...auth }, body: '{not json' })).status,
    ).toBe(400);
    expect((await rawRequest(`${hooksUrl}/deploy`, { method: 'POST', headers: { 'content-type': 'text/plain', ...auth }, body: '{}' })).status).toBe(415);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(stack.model.requests.length).toBe(before);
    await expect(stack.client.workflow.getHandle(`hook:deploy:${deliveryKey('x1')}`).describe()).rejects.toThrow();
  });
});
