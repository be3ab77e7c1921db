import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../../src/logger.js';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pingSchema, runtimeSessionHeader, type HistoryTurn, type Invocation } from '../../../src/contracts/agent-runtime.js';
import { OpenAiCompatibleProvider } from '../../../src/agent/providers/openai-compatible.js';
import { sseEvents } from '../../../src/http/sse.js';
import { startRuntime, type RunningRuntime } from '../../../src/agent/runtime/server.js';
import { rawRequest } from '../../helpers/raw-http.js';
import { FakeModel } from '../../helpers/fake-model.js';
import { freePort } from '../../helpers/ports.js';

const sessionId = 'clawflow-0123456789abcdef0123456789abcdef';
const token = 'runtime-test-token-0123456789';
const full = { mode: 'full' as const, systemPrompt: null, summary: null, history: [] as HistoryTurn[], keepTurns: 20 };
const invocation: Invocation = { sessionKey: 'main:cli:x', turn: 1, context: full, messages: [{ messageId: 'm1', content: 'hi' }] };

describe('agent runtime over HTTP (AgentCore contract)', () => {
  const model = new FakeModel((r) => `hello, ${r.messages.at(-1)?.content}`);
  let runtime: RunningRuntime;

  const invoke = (body: unknown, headers: Record<string, string> = { [runtimeSessionHeader]: sessionId }): Promise<Response> =>
    fetch(`${runtime.url}/invocations`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, ...headers },
      body: JSON.stringify(body),
    });
  const ping = async () => pingSchema.strict().parse(await (await fetch(`${runtime.url}/ping`)).json());

  beforeAll(async () => {
    await model.start();
    runtime = await startRuntime({
      host: '127.0.0.1',
      port: 0,
      provider: new OpenAiCompatibleProvider({ baseUrl: model.baseUrl, model: 'scripted', apiKey: 'sk-x', requestTimeoutMs: 5000 }),
      models: new Map([
        ['scripted-large', new OpenAiCompatibleProvider({ baseUrl: model.baseUrl, model: 'scripted-large', apiKey: 'sk-x', requestTimeoutMs: 5000 })],
      ]),
      token,
      logger: createLogger('silent'),
    });
  });
  afterAll(async () => {
    await runtime.close();
    await model.stop();
  });

  it('answers only the workers: no token, another Host, a web page or a body a browser sends unasked are refused, and the model is never asked', async () => {
    const before = model.requests.length;
    const body = JSON.stringify(invocation);
    const url = `${runtime.url}/invocations`;
    const { port } = new URL(runtime.url);
    const noToken = { 'content-type': 'application/json', [runtimeSessionHeader]: sessionId };
    const base = { ...noToken, authorization: `Bearer ${token}` };
    expect((await rawRequest(url, { method: 'POST', headers: noToken, body })).status).toBe(401);
    expect((await rawRequest(url, { method: 'POST', headers: { ...base, authorization: 'Bearer wrong' }, body })).status).toBe(401);
    expect((await rawRequest(url, { method: 'POST', headers: { ...base, host: `evil.example:${port}` }, body })).status).toBe(421);
    expect((await rawRequest(url, { method: 'POST', headers: { ...base, origin: 'https://evil.example' }, body })).status).toBe(403);
    expect((await rawRequest(url, { method: 'POST', headers: { ...base, 'content-type': 'text/plain' }, body })).status).toBe(415);
    expect(model.requests.length).toBe(before);
    // The health check stays open: AgentCore and the emulator poll it without credentials.
    expect((await rawRequest(`${runtime.url}/ping`)).status).toBe(200);
    expect((await rawRequest(url, { method: 'POST', headers: { ...base, host: `localhost:${port}` }, body })).status).toBe(200);
  });

  it('answers an invocation with the model reply', async () => {
    const response = await invoke(invocation);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/json');
    expect(await response.json()).toMatchObject({ kind: 'reply', reply: 'hello, hi', provider: 'openai-compatible', model: 'scripted' });
    expect(model.requests.at(-1)!.messages).toEqual([
      { role: 'system', content: expect.any(String) },
      { role: 'user', content: 'hi' },
    ]);
  });

  it("answers with a session's chosen model, and refuses one it does not offer", async () => {
    const chosen = await invoke({ ...invocation, model: 'scripted-large' });
    expect(await chosen.json()).toMatchObject({ kind: 'reply', model: 'scripted-large' });
    expect(model.requests.at(-1)!.model).toBe('scripted-large');
    const unknown = await invoke({ ...invocation, model: 'gpt-9' });
    expect(unknown.status).toBe(400);
    expect(await unknown.json()).toMatchObject({
      error: {
        type: 'model_not_offered',
        message: 'this runtime does not offer the model "gpt-9" (it offers scripted, scripted-large: model.name and model.choices); choose another with /model',
        retryable: false,
      },
    });
  });

  it('folds turns into a summary when asked (compaction), with no tools and nothing kept', async () => {
    const before = model.requests.length;
    const response = await invoke({
      summarize: {
        sessionKey: 'main:cli:x',
        previousSummary: 'Ada lives in Lisbon.',
        history: [
          {
            turn: 3,
            messages: [
              { role: 'user', content: 'I moved to Porto' },
              { role: 'assistant', content: 'noted' },
            ],
          },
        ],
        instructions: 'places only',
        maxChars: 200,
      },
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ kind: 'summary', summary: expect.stringMatching(/^hello, Summary so far:/), model: 'scripted' });
    const request = model.requests.at(-1)!;
    expect(model.requests.length).toBe(before + 1);
    expect(request.tools).toBeUndefined();
    expect(request.messages[1]!.content).toContain('Ada lives in Lisbon.');
    expect(request.messages[1]!.content).toContain('User (turn 3): I moved to Porto');
    expect(request.messages[1]!.content).toContain('The user asks the summary to: places only');
    // The answer is cut to maxChars.
    expect(
      (
        (await (await invoke({ summarize: { sessionKey: 'main:cli:x', previousSummary: 'x'.repeat(5_000), history: [], maxChars: 200 } })).json()) as {
          summary: string;
        }
      ).summary.length,
    ).toBeLessThanOrEqual(200);
    const bad = await invoke({ summarize: { sessionKey: 'main:cli:x', history: [], maxChars: 5 } });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { message: string } }).error.message).toMatch(/previousSummary/);
  });

  it('continues a session from its cache, and says so when it does not hold the context', async () => {
    const id = 'clawflow-cache-0000000000000000000000000001';
    const history = [{ turn: 1, messages: [{ role: 'user', content: 'my name is Ada' } as const, { role: 'assistant', content: 'hi Ada' } as const] }];
    expect(
      (await invoke({ ...invocation, turn: 2, context: { ...full, history }, messages: [{ messageId: 'a', content: 'two' }] }, { [runtimeSessionHeader]: id }))
        .status,
    ).toBe(200);
    const third = await invoke(
      { ...invocation, turn: 3, context: { mode: 'cached', throughTurn: 2 }, messages: [{ messageId: 'b', content: 'three' }] },
      { [runtimeSessionHeader]: id },
    );
    expect(third.status).toBe(200);
    expect(model.userMessagesOf(-1)).toEqual(['my name is Ada', 'two', 'three']);

    const unknown = await invoke(
      { ...invocation, turn: 2, context: { mode: 'cached', throughTurn: 1 } },
      { [runtimeSessionHeader]: 'clawflow-never-seen-000000000000000000000000' },
    );
    expect(unknown.status).toBe(409);
    expect(await unknown.json()).toMatchObject({ error: { type: 'SessionContextMissing', retryable: false } });
  });

  it('answers a plain {"prompt"} payload, as the AgentCore console sends it', async () => {
    const response = await invoke({ prompt: 'are you there?' });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ response: 'hello, are you there?' });
  });

  it('answers `agentcore dev` (its 17-character session id) and keeps a conversation per runtime session id', async () => {
    model.setReply(
      (r) =>
        `seen ${r.messages
          .filter((m) => m.role === 'user')
          .map((m) => m.content)
          .join(' | ')}`,
    );
    try {
      const say = async (id: string, prompt: string) => (await (await invoke({ prompt }, { [runtimeSessionHeader]: id })).json()) as unknown;
      expect(await say('local-dev-session', 'the boat is called Wren')).toEqual({ response: 'seen the boat is called Wren' });
      expect(await say('local-dev-session', 'what is it called?')).toEqual({ response: 'seen the boat is called Wren | what is it called?' });
      // Another runtime session is another conversation.
      expect(await say('another-session', 'what is it called?')).toEqual({ response: 'seen what is it called?' });
      // ClawFlow's own invocations keep AgentCore's 33-character rule.
      const short = await invoke(invocation, { [runtimeSessionHeader]: 'local-dev-session' });
      expect(short.status).toBe(400);
    } finally {
      model.setReply((r) => `hello, ${r.messages.at(-1)?.content}`);
    }
  });

  it('streams a failed {"prompt"} as the error string the agentcore CLI prints', async () => {
    model.setReply(() => {
      throw new Error('the model is down');
    });
    try {
      const response = await invoke({ prompt: 'hello?' }, { [runtimeSessionHeader]: 'local-dev-session', accept: 'text/event-stream' });
      const events: Array<{ event?: string; data: unknown }> = [];
      for await (const event of sseEvents(response.body!)) events.push({ event: event.event, data: JSON.parse(event.data) });
      expect(events.at(-1)).toEqual({ event: 'error', data: { error: expect.stringMatching(/500/) } });
    } finally {
      model.setReply((r) => `hello, ${r.messages.at(-1)?.content}`);
    }
  });

  it('streams text deltas and a final result as server-sent events when asked to', async () => {
    model.setReply(() => 'a streamed answer in pieces');
    try {
      const response = await invoke(invocation, { [runtimeSessionHeader]: sessionId, accept: 'text/event-stream' });
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toBe('text/event-stream');
      const events: Array<{ event?: string; data: unknown }> = [];
      for await (const event of sseEvents(response.body!)) events.push({ event: event.event, data: JSON.parse(event.data) });
      const deltas = events.filter((e) => e.event === 'delta').map((e) => (e.data as { text: string }).text);
      expect(deltas.length).toBeGreaterThan(1);
      expect(deltas.join('')).toBe('a streamed answer in pieces');
      expect(events.at(-1)).toEqual({ event: 'result', data: expect.objectContaining({ kind: 'reply', reply: 'a streamed answer in pieces' }) });
      expect(model.requests.at(-1)!.stream).toBe(true);
    } finally {
      model.setReply((r) => `hello, ${r.messages.at(-1)?.content}`);
    }
  });

  it('hands tool calls back to the caller, and takes their results in the next step', async () => {
    model.setReply((r) =>
      r.messages.some((m) => m.role === 'tool') ? 'it is noon' : { toolCalls: [{ name: 'current_time', arguments: { timezone: 'UTC' } }] },
    );
    try {
      const tools = [{ name: 'current_time', description: 'time', inputSchema: { type: 'object' } }];
      const first = await invoke({ ...invocation, tools });
      const asked = (await first.json()) as { kind: string; toolCalls: Array<{ id: string; name: string; input: unknown }> };
      expect(asked).toMatchObject({ kind: 'toolCalls', toolCalls: [{ name: 'current_time', input: { timezone: 'UTC' } }] });
      expect(model.requests.at(-1)!.tools).toEqual([
        expect.objectContaining({ type: 'function', function: expect.objectContaining({ name: 'current_time' }) }),
      ]);

      const call = asked.toolCalls[0]!;
      const steps = [{ text: '', toolCalls: [call], results: [{ callId: call.id, name: call.name, output: '12:00', isError: false }] }];
      const second = await invoke({ ...invocation, context: { mode: 'cached', throughTurn: 0 }, tools, steps });
      expect(await second.json()).toMatchObject({ kind: 'reply', reply: 'it is noon' });
      expect(model.requests.at(-1)!.messages.slice(-2)).toEqual([
        {
          role: 'assistant',
          content: null,
          tool_calls: [{ id: call.id, type: 'function', function: { name: 'current_time', arguments: '{"timezone":"UTC"}' } }],
        },
        { role: 'tool', tool_call_id: call.id, content: '12:00' },
      ]);
    } finally {
      model.setReply((r) => `hello, ${r.messages.at(-1)?.content}`);
    }
  });

  it('reports Healthy, HealthyBusy while a turn runs, and moves the timestamp only on a change', async () => {
    const idle = await ping();
    expect(idle.status).toBe('Healthy');
    expect(Number.isInteger(idle.time_of_last_update)).toBe(true);
    expect((await ping()).time_of_last_update).toBe(idle.time_of_last_update);
    model.hold();
    const seen = model.requests.length;
    const pending = invoke(invocation);
    await model.waitForRequests(seen + 1);
    const busy = await ping();
    expect(busy.status).toBe('HealthyBusy');
    expect(busy.time_of_last_update).toBeGreaterThanOrEqual(idle.time_of_last_update);
    model.release();
    await pending;
    const after = await ping();
    expect(after.status).toBe('Healthy');
    expect(after.time_of_last_update).toBeGreaterThanOrEqual(busy.time_of_last_update);
  });

  it('refuses an invocation without the session header, or with a bad body, saying why', async () => {
    const noHeader = await invoke(invocation, {});
    expect(noHeader.status).toBe(400);
    expect(await noHeader.json()).toMatchObject({
      error: { type: 'missing_session_id', message: expect.stringContaining(runtimeSessionHeader), retryable: false },
    });
    const bad = await invoke({ ...invocation, messages: [] });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { message: string } }).error.message).toMatch(/messages: an invocation needs at least one new message/);
    const authorized = { 'content-type': 'application/json', authorization: `Bearer ${token}`, [runtimeSessionHeader]: sessionId };
    const notJson = await fetch(`${runtime.url}/invocations`, { method: 'POST', headers: authorized, body: '{' });
    expect(notJson.status).toBe(400);
    // Answered, not reset, even while the client is still sending.
    const huge = await fetch(`${runtime.url}/invocations`, { method: 'POST', headers: authorized, body: 'x'.repeat(11 * 1024 * 1024) });
    expect(huge.status).toBe(413);
    expect(await huge.json()).toMatchObject({ error: { type: 'payload_too_large' } });
  });

  it('maps model failures to retryable (502) or not (422)', async () => {
    const nothingListens = `http://127.0.0.1:${await freePort()}/v1`;
    const refusing = createServer((_req, res) => res.writeHead(401, { 'content-type': 'application/json' }).end('{"error":{"message":"Incorrect API key"}}'));
    await new Promise<void>((resolve) => refusing.listen(0, '127.0.0.1', resolve));
    const refusingUrl = `http://127.0.0.1:${(refusing.address() as AddressInfo).port}/v1`;
    const runtimes = await Promise.all(
      [nothingListens, refusingUrl].map((baseUrl) =>
        startRuntime({
          host: '127.0.0.1',
          port: 0,
          provider: new OpenAiCompatibleProvider({ baseUrl, model: 'm', requestTimeoutMs: 2000 }),
          token: null,
          logger: createLogger('silent'),
        }),
      ),
    );
    try {
      const post = (url: string) =>
        fetch(`${url}/invocations`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', [runtimeSessionHeader]: sessionId },
          body: JSON.stringify(invocation),
        });
      const down = await post(runtimes[0]!.url);
      expect(down.status).toBe(502);
      expect(await down.json()).toMatchObject({ error: { type: 'ProviderError', retryable: true, message: expect.stringMatching(/unreachable/) } });
      const refused = await post(runtimes[1]!.url);
      expect(refused.status).toBe(422);
      expect(await refused.json()).toMatchObject({
        error: { type: 'ProviderError', retryable: false, message: expect.stringMatching(/HTTP 401: .*Incorrect API key/) },
      });
    } finally {
      await Promise.all(runtimes.map((r) => r.close()));
      await new Promise((resolve) => refusing.close(resolve));
    }
  });
});
