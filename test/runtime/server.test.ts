import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logger.js';
import { pingSchema, runtimeSessionHeader } from '../../src/runtime/contract.js';
import { OpenAiCompatibleProvider } from '../../src/runtime/providers/openai-compatible.js';
import { startRuntime, type RunningRuntime } from '../../src/runtime/server.js';
import { FakeModel } from '../helpers/fake-model.js';
import { freePort } from '../helpers/ports.js';

const sessionId = 'clawflow-0123456789abcdef0123456789abcdef';
const invocation = { sessionKey: 'main:cli:x', turn: 1, history: [], messages: [{ messageId: 'm1', content: 'hi' }] };

describe('agent runtime over HTTP (AgentCore contract)', () => {
  const model = new FakeModel((r) => `hello, ${r.messages.at(-1)?.content}`);
  let runtime: RunningRuntime;

  const invoke = (body: unknown, headers: Record<string, string> = { [runtimeSessionHeader]: sessionId }): Promise<Response> =>
    fetch(`${runtime.url}/invocations`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });

  beforeAll(async () => {
    await model.start();
    runtime = await startRuntime({
      host: '127.0.0.1',
      port: 0,
      provider: new OpenAiCompatibleProvider({ baseUrl: model.baseUrl, model: 'scripted', apiKey: 'sk-x', requestTimeoutMs: 5000 }),
      logger: createLogger('silent'),
    });
  });
  afterAll(async () => {
    await runtime.close();
    await model.stop();
  });

  it('answers an invocation with the model reply', async () => {
    const response = await invoke(invocation);
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ reply: 'hello, hi', provider: 'openai-compatible', model: 'scripted' });
    expect(model.requests.at(-1)!.messages).toEqual([
      { role: 'system', content: expect.any(String) },
      { role: 'user', content: 'hi' },
    ]);
  });

  it('reports Healthy, HealthyBusy while a turn runs, and moves the timestamp only on a change', async () => {
    const idle = pingSchema.parse(await (await fetch(`${runtime.url}/ping`)).json());
    expect(idle.status).toBe('Healthy');
    expect(Number.isInteger(idle.time_of_last_update)).toBe(true);
    model.hold();
    const pending = invoke(invocation);
    await model.waitForRequests(2);
    expect(pingSchema.parse(await (await fetch(`${runtime.url}/ping`)).json()).status).toBe('HealthyBusy');
    model.release();
    await pending;
    const after = pingSchema.parse(await (await fetch(`${runtime.url}/ping`)).json());
    expect(after.status).toBe('Healthy');
    expect(after.time_of_last_update).toBeGreaterThanOrEqual(idle.time_of_last_update);
  });

  it('refuses an invocation without the session header, or with a bad body, saying why', async () => {
    const noHeader = await invoke(invocation, {});
    expect(noHeader.status).toBe(400);
    expect(await noHeader.json()).toMatchObject({ error: { type: 'missing_session_id', message: expect.stringContaining(runtimeSessionHeader), retryable: false } });
    const bad = await invoke({ ...invocation, messages: [] });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { message: string } }).error.message).toMatch(/messages: an invocation needs at least one new message/);
    const notJson = await fetch(`${runtime.url}/invocations`, { method: 'POST', headers: { [runtimeSessionHeader]: sessionId }, body: '{' });
    expect(notJson.status).toBe(400);
  });

  it('maps model failures to retryable or not', async () => {
    const nothingListens = `http://127.0.0.1:${await freePort()}/v1`;
    const down = await startRuntime({
      host: '127.0.0.1',
      port: 0,
      provider: new OpenAiCompatibleProvider({ baseUrl: nothingListens, model: 'm', requestTimeoutMs: 2000 }),
      logger: createLogger('silent'),
    });
    try {
      const response = await fetch(`${down.url}/invocations`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', [runtimeSessionHeader]: sessionId },
        body: JSON.stringify(invocation),
      });
      expect(response.status).toBe(502);
      expect(await response.json()).toMatchObject({ error: { type: 'ProviderError', retryable: true, message: expect.stringMatching(/unreachable/) } });
    } finally {
      await down.close();
    }
  });
});
