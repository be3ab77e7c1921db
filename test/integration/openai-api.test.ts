import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApiServer } from '../../src/api/openai-api.js';
import { listSessions } from '../../src/session-client/session-client.js';
import { apiToken } from '../../src/config/secrets.js';
import { createLogger } from '../../src/logger.js';
import { heard } from '../helpers/fake-model.js';
import { rawRequest } from '../helpers/raw-http.js';
import { namespaceForFile } from '../helpers/namespace.js';
import type { CliProcess } from '../helpers/processes.js';
import { TestStack } from '../helpers/test-stack.js';

describe('the OpenAI-compatible API, through the official openai client', () => {
  let stack: TestStack;
  let worker: CliProcess;
  let baseURL: string;
  let openai: OpenAI;
  const token = 'test-api-token-123';

  beforeAll(async () => {
    stack = await TestStack.start({ namespace: namespaceForFile(import.meta.url), config: { api: { token }, agent: { heartbeatTimeoutSeconds: 2 } } });
    stack.model.setReply(heard);
    worker = await stack.startWorker();
    baseURL = (await stack.startApi()).url;
    openai = new OpenAI({ baseURL, apiKey: token, maxRetries: 0 });
  });
  afterAll(() => stack?.stop());

  it("answers a chat completion, lists its models, and streams in OpenAI's chunk format", async () => {
    const models = await openai.models.list();
    expect(models.data.map((m) => m.id)).toEqual(['clawflow', 'clawflow/main']);

    const completion = await openai.chat.completions.create({ model: 'clawflow', messages: [{ role: 'user', content: 'hello API' }] });
    expect(completion).toMatchObject({
      object: 'chat.completion',
      model: 'clawflow',
      choices: [{ index: 0, finish_reason: 'stop', message: { role: 'assistant', content: 'heard: hello API' } }],
    });
    // What the turn's model call used, as the model reported it.
    expect(completion.usage).toEqual({ prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 });
    // Without `user`, the request had a session of its own, which ended once answered; its transcript stays.
    const oneOff = async () => (await listSessions(stack.client)).find((s) => s.sessionKey.startsWith('main:api:oneoff-'));
    await expect.poll(async () => (await oneOff())?.status, { timeout: 10_000 }).toBe('completed');
    expect((await stack.storedTranscript((await oneOff())!.sessionKey)).map((e) => e.text)).toEqual(['hello API', 'heard: hello API']);

    const stream = await openai.chat.completions.create({ model: 'clawflow/main', messages: [{ role: 'user', content: 'stream it' }], stream: true });
    let text = '';
    let finish: string | null = null;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? '';
      finish = chunk.choices[0]?.finish_reason ?? finish;
    }
    expect(text).toBe('heard: stream it');
    expect(finish).toBe('stop');
  });

  it('streams the reply as the model writes it: text arrives before the turn is over, and adds up to the reply once', async () => {
    const answer = Array.from({ length: 8 }, (_, i) => `Part ${i + 1} of an answer written slowly.`).join(' ');
    stack.model.setReply(() => answer);
    stack.model.streamPieceDelayMs = 25;
    try {
      const started = Date.now();
      const stream = await openai.chat.completions.create({
        model: 'clawflow',
        user: 'streamer',
        messages: [{ role: 'user', content: 'write slowly' }],
        stream: true,
      });
      const arrivals: Array<{ at: number; text: string }> = [];
      for await (const chunk of stream) {
        const piece = chunk.choices[0]?.delta.content;
        if (piece) arrivals.push({ at: Date.now() - started, text: piece });
      }
      expect(arrivals.map((a) => a.text).join('')).toBe(answer);
      // Many pieces, the first well before the last (the model took ~2.5 s to write it).
      expect(arrivals.length).toBeGreaterThan(5);
      expect(arrivals.at(-1)!.at - arrivals[0]!.at).toBeGreaterThan(1_000);
    } finally {
      stack.model.streamPieceDelayMs = 0;
      stack.model.setReply(heard);
    }
  });

  it('keeps one durable session per `user`: the second call has the first in context', async () => {
    await openai.chat.completions.create({ model: 'clawflow', user: 'ada', messages: [{ role: 'user', content: 'my name is Ada' }] });
    const second = await openai.chat.completions.create({
      model: 'clawflow',
      user: 'ada',
      messages: [
        { role: 'user', content: 'my name is Ada' },
        { role: 'assistant', content: 'heard: my name is Ada' },
        { role: 'user', content: 'what is my name?' },
      ],
    });
    expect(second.choices[0]!.message.content).toBe('heard: my name is Ada | what is my name?');
  });

  it('answers a retried request with the same message id once, even when the worker died in between', async () => {
    const requests = stack.model.requests.length;
    const call = (timeout?: number) =>
      openai.chat.completions.create(
        { model: 'clawflow', user: 'retry', messages: [{ role: 'user', content: 'only once please' }] },
        { headers: { 'x-clawflow-message-id': 'req-42' }, ...(timeout ? { timeout } : {}) },
      );
    const first = await call();
    const again = await call();
    expect(again.choices[0]!.message.content).toBe(first.choices[0]!.message.content);
    expect(stack.model.requests.length - requests).toBe(1);

    stack.model.hold();
    const lost = openai.chat.completions
      .create(
        { model: 'clawflow', user: 'crash', messages: [{ role: 'user', content: 'slow question' }] },
        { headers: { 'Idempotency-Key': 'req-crash' }, timeout: 1500 },
      )
      .then(
        () => 'answered',
        () => 'lost',
      );
    await stack.model.waitForRequests(requests + 2);
    await stack.kill(worker, 'SIGKILL');
    expect(await lost).toBe('lost');
    stack.model.release();
    worker = await stack.startWorker();
    const retried = await openai.chat.completions.create(
      { model: 'clawflow', user: 'crash', messages: [{ role: 'user', content: 'slow question' }] },
      { headers: { 'Idempotency-Key': 'req-crash' } },
    );
    expect(retried.choices[0]!.message.content).toBe('heard: slow question');
    expect(stack.model.lastUserMessages().filter((m) => m === 'slow question').length).toBeLessThanOrEqual(2);
    const transcript = await stack.waitForTurns('main:api:crash', 1);
    expect(transcript.filter((e) => e.role === 'user' && e.text === 'slow question')).toHaveLength(1);
  });

  it('refuses bad requests with OpenAI-shaped errors and keeps serving', async () => {
    const post = (body: string, auth = `Bearer ${token}`) =>
      fetch(`${baseURL}/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: auth }, body });
    const check = async (response: Response, status: number, code: string, message: RegExp) => {
      expect(response.status).toBe(status);
      const body = (await response.json()) as { error: { message: string; type: string; code: string } };
      expect(body.error).toMatchObject({ code, type: expect.any(String), message: expect.stringMatching(message) });
    };
    await check(await post(JSON.stringify({ model: 'clawflow', messages: [] })), 400, 'invalid_request', /messages must contain at least one message/);
    await check(await post(JSON.stringify({ model: 'clawflow', messages: 'hi' })), 400, 'invalid_request', /messages/);
    await check(
      await post(JSON.stringify({ model: 'gpt-4o', messages: [{ role: 'user', content: 'x' }] })),
      404,
      'model_not_found',
      /model "gpt-4o" does not exist/,
    );
    await check(
      await post(JSON.stringify({ model: 'clawflow', messages: [{ role: 'user', content: 'x'.repeat(1_100_000) }] })),
      413,
      'request_too_large',
      /larger than/,
    );
    await check(await post('{', `Bearer ${token}`), 400, 'invalid_json', /not valid JSON/);
    await check(
      await post(JSON.stringify({ model: 'clawflow', messages: [{ role: 'user', content: 'x' }] }), 'Bearer wrong-token'),
      401,
      'invalid_api_key',
      /wrong API key/,
    );
    await expect(new OpenAI({ baseURL, apiKey: 'nope', maxRetries: 0 }).models.list()).rejects.toMatchObject({ status: 401 });
    expect(
      (await openai.chat.completions.create({ model: 'clawflow', messages: [{ role: 'user', content: 'still here?' }] })).choices[0]!.message.content,
    ).toBe('heard: still here?');
  });

  it('refuses what a web page could send (a simple cross-site POST, a rebinding Host, no token) before any turn runs', async () => {
    // As a new user runs it: no token configured, so the API makes one and wants it.
    const config = { ...stack.config, api: { ...stack.config.api, token: undefined } };
    const api = await startApiServer({ client: stack.client, config, logger: createLogger('silent'), port: 0 });
    try {
      const url = `${api.url}/chat/completions`;
      const { port } = new URL(api.url);
      const body = JSON.stringify({ model: 'clawflow', user: 'csrf', messages: [{ role: 'user', content: 'do something bad' }] });
      const installToken = apiToken(config)!;
      expect(installToken).toMatch(/^[A-Za-z0-9_-]{43}$/);
      const before = stack.model.requests.length;
      const refused = [
        await rawRequest(url, { method: 'POST', headers: { 'content-type': 'text/plain', origin: 'https://evil.example' }, body }),
        await rawRequest(url, { method: 'POST', headers: { 'content-type': 'text/plain', authorization: `Bearer ${installToken}` }, body }),
        await rawRequest(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${installToken}`, host: `evil.example:${port}` },
          body,
        }),
        await rawRequest(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${installToken}`, origin: 'https://evil.example' },
          body,
        }),
        await rawRequest(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body }),
        await rawRequest(url, { method: 'OPTIONS', headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' } }),
      ];
      expect(refused.map((r) => r.status)).toEqual([403, 415, 421, 403, 401, 403]);
      expect(refused.every((r) => r.headers['access-control-allow-origin'] === undefined)).toBe(true);
      expect(JSON.parse(refused[2]!.body)).toMatchObject({ error: { code: 'misdirected_request' } });
      expect(stack.model.requests.length).toBe(before);
      expect(await stack.transcript('main:api:csrf')).toEqual([]);

      const ok = await rawRequest(url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${installToken}` }, body });
      expect(ok.status).toBe(200);
    } finally {
      await api.close();
    }
  });
});
