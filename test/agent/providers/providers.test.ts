import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AnthropicProvider } from '../../../src/agent/providers/anthropic.js';
import { BedrockConverseProvider } from '../../../src/agent/providers/bedrock-converse.js';
import { OpenAiCompatibleProvider } from '../../../src/agent/providers/openai-compatible.js';
import { ProviderError, type ModelRequest } from '../../../src/agent/providers/provider.js';
import { FakeModel } from '../../helpers/fake-model.js';
import { WireServer } from '../../helpers/wire-server.js';

const tool = { name: 'current_time', description: 'the time', inputSchema: { type: 'object', properties: { timezone: { type: 'string' } } } };
const call = { id: 'call-1', name: 'current_time', input: { timezone: 'UTC' } };
/** A turn that has been through one tool round: history, the question, the call, its result. */
const request: ModelRequest = {
  system: 'be brief',
  messages: [
    { role: 'user', content: 'hi' },
    { role: 'assistant', content: 'hello' },
    { role: 'user', content: 'what time is it?' },
    { role: 'assistant', content: '', toolCalls: [call] },
    { role: 'tool', callId: 'call-1', name: 'current_time', content: '12:00', isError: false },
  ],
  tools: [tool],
  toolsAllowed: true,
};
const options = () => ({ signal: new AbortController().signal });

/** Bedrock's Converse answer: the assistant's content blocks, why it stopped, the tokens it reports. */
function converseAnswer(content: unknown[], usage = { inputTokens: 1, outputTokens: 1 }, stopReason = 'end_turn') {
  return {
    body: {
      output: { message: { role: 'assistant', content } },
      stopReason,
      usage: { ...usage, totalTokens: usage.inputTokens + usage.outputTokens },
      metrics: { latencyMs: 1 },
    },
  };
}

async function failureOf(promise: Promise<unknown>): Promise<ProviderError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ProviderError);
  return error as ProviderError;
}

describe('Anthropic Messages adapter, against a local server speaking its wire format', () => {
  const server = new WireServer(() => ({ body: {} }));
  beforeAll(() => server.start());
  afterAll(() => server.stop());
  const provider = () => new AnthropicProvider({ baseUrl: server.url, model: 'claude-test', apiKey: 'sk-ant-test', maxTokens: 512, requestTimeoutMs: 5000 });

  it('sends system, alternating turns, tool use and tool results; reads text and tool calls back', async () => {
    server.setAnswer(() => ({
      body: {
        id: 'msg_1',
        type: 'message',
        role: 'assistant',
        content: [
          { type: 'text', text: 'Let me check again.' },
          { type: 'tool_use', id: 'toolu_2', name: 'current_time', input: { timezone: 'Europe/Paris' } },
        ],
        stop_reason: 'tool_use',
        usage: { input_tokens: 42, output_tokens: 7 },
      },
    }));
    const completion = await provider().complete(request, options());
    expect(completion).toEqual({
      text: 'Let me check again.',
      toolCalls: [{ id: 'toolu_2', name: 'current_time', input: { timezone: 'Europe/Paris' } }],
      usage: { inputTokens: 42, outputTokens: 7 },
    });
    const sent = server.requests.at(-1)!;
    expect(sent.path).toBe('/v1/messages');
    expect(sent.headers['x-api-key']).toBe('sk-ant-test');
    expect(sent.headers['anthropic-version']).toBe('2023-06-01');
    expect(sent.body).toEqual({
      model: 'claude-test',
      max_tokens: 512,
      system: 'be brief',
      messages: [
        { role: 'user', content: [{ type: 'text', text: 'hi' }] },
        { role: 'assistant', content: [{ type: 'text', text: 'hello' }] },
        { role: 'user', content: [{ type: 'text', text: 'what time is it?' }] },
        { role: 'assistant', content: [{ type: 'tool_use', id: 'call-1', name: 'current_time', input: { timezone: 'UTC' } }] },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'call-1', content: '12:00' }] },
      ],
      tools: [{ name: 'current_time', description: 'the time', input_schema: tool.inputSchema }],
      tool_choice: { type: 'auto' },
    });
  });

  it('maps overload to retryable and a bad key to not', async () => {
    server.setAnswer(() => ({ status: 529, body: { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } } }));
    expect((await failureOf(provider().complete(request, options()))).retryable).toBe(true);
    server.setAnswer(() => ({ status: 401, body: { type: 'error', error: { type: 'authentication_error', message: 'invalid x-api-key' } } }));
    const refused = await failureOf(provider().complete(request, options()));
    expect(refused.retryable).toBe(false);
    expect(refused.message).toMatch(/HTTP 401.*invalid x-api-key/);
  });
});

describe('Bedrock Converse adapter, through the AWS SDK against a local server', () => {
  const server = new WireServer(() => ({ body: {} }));
  beforeAll(async () => {
    await server.start();
    process.env.AWS_ACCESS_KEY_ID = 'AKIDLOCAL';
    process.env.AWS_SECRET_ACCESS_KEY = 'local-secret';
  });
  afterAll(() => server.stop());
  const provider = () =>
    new BedrockConverseProvider({ model: 'anthropic.claude-test-v1:0', region: 'us-east-1', endpoint: server.url, maxTokens: 256, requestTimeoutMs: 5000 });

  it('sends the Converse request and reads text and tool use back', async () => {
    server.setAnswer(() => converseAnswer([{ text: 'It is noon.' }], { inputTokens: 30, outputTokens: 4 }));
    expect(await provider().complete(request, options())).toEqual({ text: 'It is noon.', toolCalls: [], usage: { inputTokens: 30, outputTokens: 4 } });
    const sent = server.requests.at(-1)!;
    expect(sent.path).toBe(`/model/${encodeURIComponent('anthropic.claude-test-v1:0')}/converse`);
    expect(sent.headers.authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIDLOCAL\//);
    expect(sent.body).toEqual({
      system: [{ text: 'be brief' }],
      messages: [
        { role: 'user', content: [{ text: 'hi' }] },
        { role: 'assistant', content: [{ text: 'hello' }] },
        { role: 'user', content: [{ text: 'what time is it?' }] },
        { role: 'assistant', content: [{ toolUse: { toolUseId: 'call-1', name: 'current_time', input: { timezone: 'UTC' } } }] },
        { role: 'user', content: [{ toolResult: { toolUseId: 'call-1', content: [{ text: '12:00' }], status: 'success' } }] },
      ],
      inferenceConfig: { maxTokens: 256 },
      toolConfig: { tools: [{ toolSpec: { name: 'current_time', description: 'the time', inputSchema: { json: tool.inputSchema } } }] },
    });

    server.setAnswer(() => converseAnswer([{ toolUse: { toolUseId: 't9', name: 'current_time', input: {} } }], undefined, 'tool_use'));
    expect((await provider().complete(request, options())).toolCalls).toEqual([{ id: 't9', name: 'current_time', input: {} }]);
  });

  it('maps throttling to retryable and validation to not', async () => {
    server.setAnswer(() => ({ status: 429, headers: { 'x-amzn-errortype': 'ThrottlingException' }, body: { message: 'Too many requests' } }));
    const throttled = await failureOf(provider().complete(request, options()));
    expect(throttled).toMatchObject({ retryable: true, message: expect.stringMatching(/ThrottlingException/) });
    server.setAnswer(() => ({ status: 400, headers: { 'x-amzn-errortype': 'ValidationException' }, body: { message: 'The model ID is invalid' } }));
    const invalid = await failureOf(provider().complete(request, options()));
    expect(invalid).toMatchObject({ retryable: false, message: expect.stringMatching(/ValidationException.*model ID is invalid/) });
  });
});

describe('OpenAI-compatible adapter, streaming', () => {
  const model = new FakeModel();
  beforeAll(() => model.start());
  afterAll(() => model.stop());

  it('assembles text and tool calls from streamed chunks', async () => {
    const provider = new OpenAiCompatibleProvider({ baseUrl: model.baseUrl, model: 'm', requestTimeoutMs: 5000 });
    model.setReply(() => ({ toolCalls: [{ name: 'current_time', arguments: { timezone: 'Asia/Tokyo' } }] }));
    const deltas: string[] = [];
    const asked = await provider.complete(request, { ...options(), onText: (d) => deltas.push(d) });
    expect(asked.toolCalls).toEqual([{ id: expect.any(String), name: 'current_time', input: { timezone: 'Asia/Tokyo' } }]);
    expect(model.requests.at(-1)!.stream).toBe(true);

    model.setReply(() => "twelve o'clock");
    const answered = await provider.complete(request, { ...options(), onText: (d) => deltas.push(d) });
    expect(answered).toEqual({ text: "twelve o'clock", toolCalls: [], usage: { inputTokens: 10, outputTokens: 5 } });
    expect(deltas.length).toBeGreaterThan(1);
    expect(deltas.join('')).toBe("twelve o'clock");
  });
});

describe("images on each provider's wire (vision)", () => {
  const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 1, 2, 3]);
  const seeing: ModelRequest = {
    system: 's',
    messages: [{ role: 'user', content: 'what is in this picture?', images: [{ mimeType: 'image/png', data: png.toString('base64') }] }],
    tools: [],
    toolsAllowed: false,
  };
  const server = new WireServer(() => ({ body: {} }));
  beforeAll(async () => {
    await server.start();
    process.env.AWS_ACCESS_KEY_ID = 'AKIDLOCAL';
    process.env.AWS_SECRET_ACCESS_KEY = 'local-secret';
  });
  afterAll(() => server.stop());

  it('Anthropic: an image block before the words', async () => {
    server.setAnswer(() => ({ body: { content: [{ type: 'text', text: 'a cat' }] } }));
    await new AnthropicProvider({ baseUrl: server.url, model: 'claude-test', apiKey: 'k', maxTokens: 64, requestTimeoutMs: 5000 }).complete(seeing, options());
    expect((server.requests.at(-1)!.body as { messages: unknown }).messages).toEqual([
      {
        role: 'user',
        content: [
          { type: 'image', source: { type: 'base64', media_type: 'image/png', data: png.toString('base64') } },
          { type: 'text', text: 'what is in this picture?' },
        ],
      },
    ]);
  });

  it('Bedrock Converse: an image block with its format and bytes', async () => {
    server.setAnswer(() => converseAnswer([{ text: 'a cat' }]));
    await new BedrockConverseProvider({
      model: 'anthropic.claude-test-v1:0',
      region: 'us-east-1',
      endpoint: server.url,
      maxTokens: 64,
      requestTimeoutMs: 5000,
    }).complete(seeing, options());
    // The SDK sends the bytes base64-encoded in the JSON body.
    expect((server.requests.at(-1)!.body as { messages: unknown }).messages).toEqual([
      { role: 'user', content: [{ image: { format: 'png', source: { bytes: png.toString('base64') } } }, { text: 'what is in this picture?' }] },
    ]);
  });

  it('OpenAI-compatible: a text part and an image_url part with a data URL', async () => {
    server.setAnswer(() => ({ body: { choices: [{ message: { content: 'a cat' } }] } }));
    await new OpenAiCompatibleProvider({ baseUrl: server.url, model: 'm', requestTimeoutMs: 5000 }).complete(seeing, options());
    expect((server.requests.at(-1)!.body as { messages: unknown[] }).messages[1]).toEqual({
      role: 'user',
      content: [
        { type: 'text', text: 'what is in this picture?' },
        { type: 'image_url', image_url: { url: `data:image/png;base64,${png.toString('base64')}` } },
      ],
    });
  });
});

describe('thinking (/think, model.thinking) on each provider', () => {
  const firstStep: ModelRequest = { ...request, messages: request.messages.slice(0, 3), thinking: 'medium' };
  const afterTools: ModelRequest = { ...request, thinking: 'medium' };
  const server = new WireServer(() => ({ body: {} }));
  const model = new FakeModel((r) => `reply to: ${String(r.messages.at(-1)?.content)}`);
  beforeAll(async () => {
    await Promise.all([server.start(), model.start()]);
    process.env.AWS_ACCESS_KEY_ID = 'AKIDLOCAL';
    process.env.AWS_SECRET_ACCESS_KEY = 'local-secret';
  });
  afterAll(async () => {
    await Promise.all([server.stop(), model.stop()]);
  });

  it("Anthropic: a thinking budget on top of max_tokens at a turn's first step, none after tool results, none when off", async () => {
    server.setAnswer(() => ({
      body: { id: 'm', type: 'message', role: 'assistant', content: [{ type: 'text', text: 'ok' }], usage: { input_tokens: 1, output_tokens: 1 } },
    }));
    const anthropic = new AnthropicProvider({ baseUrl: server.url, model: 'claude-test', apiKey: 'k', maxTokens: 512, requestTimeoutMs: 5000 });
    await anthropic.complete(firstStep, options());
    expect(server.requests.at(-1)!.body).toMatchObject({ max_tokens: 512 + 8192, thinking: { type: 'enabled', budget_tokens: 8192 } });
    await anthropic.complete(afterTools, options());
    expect(server.requests.at(-1)!.body).toMatchObject({ max_tokens: 512 });
    expect(server.requests.at(-1)!.body).not.toHaveProperty('thinking');
    await anthropic.complete({ ...firstStep, thinking: 'off' }, options());
    expect(server.requests.at(-1)!.body).not.toHaveProperty('thinking');
  });

  it("Bedrock: Claude gets Anthropic's thinking field; another model gets nothing it would refuse", async () => {
    server.setAnswer(() => converseAnswer([{ text: 'ok' }]));
    const bedrock = (model: string) =>
      new BedrockConverseProvider({ model, region: 'us-east-1', endpoint: server.url, maxTokens: 256, requestTimeoutMs: 5000 });
    await bedrock('anthropic.claude-test-v1:0').complete({ ...firstStep, thinking: 'low' }, options());
    expect(server.requests.at(-1)!.body).toMatchObject({
      inferenceConfig: { maxTokens: 256 + 2048 },
      additionalModelRequestFields: { thinking: { type: 'enabled', budget_tokens: 2048 } },
    });
    await bedrock('amazon.nova-pro-v1:0').complete({ ...firstStep, thinking: 'low' }, options());
    expect(server.requests.at(-1)!.body).not.toHaveProperty('additionalModelRequestFields');
  });

  it('OpenAI-compatible: reasoning_effort; a model that refuses it is asked again without, and from then on', async () => {
    const provider = new OpenAiCompatibleProvider({ baseUrl: model.baseUrl, model: 'o-test', requestTimeoutMs: 5000 });
    await provider.complete({ ...firstStep, thinking: 'high' }, options());
    expect(model.requests.at(-1)).toMatchObject({ reasoning_effort: 'high' });
    const plain = new OpenAiCompatibleProvider({ baseUrl: model.baseUrl, model: 'plain-test', requestTimeoutMs: 5000 });
    // OpenAI's words for a model without the setting.
    model.refuseWith = (r) =>
      (r as unknown as Record<string, unknown>).reasoning_effort
        ? { status: 400, message: "Unsupported parameter: 'reasoning_effort' is not supported with this model." }
        : null;
    try {
      const before = model.requests.length;
      expect((await plain.complete({ ...firstStep, thinking: 'low' }, options())).text).toBe('reply to: what time is it?');
      await plain.complete({ ...firstStep, thinking: 'low' }, options());
      expect(model.requests.slice(before).map((r) => (r as unknown as Record<string, unknown>).reasoning_effort)).toEqual(['low', undefined, undefined]);
    } finally {
      model.refuseWith = () => null;
    }
  });
});

describe("tokens read from the provider's prompt cache", () => {
  const server = new WireServer(() => ({ body: {} }));
  beforeAll(() => server.start());
  afterAll(() => server.stop());

  it('Anthropic: every prompt token counts as input, those read from the cache also as cached', async () => {
    server.setAnswer(() => ({
      body: {
        id: 'm',
        type: 'message',
        role: 'assistant',
        content: [{ type: 'text', text: 'ok' }],
        usage: { input_tokens: 10, output_tokens: 3, cache_read_input_tokens: 900, cache_creation_input_tokens: 90 },
      },
    }));
    const anthropic = new AnthropicProvider({ baseUrl: server.url, model: 'claude-test', apiKey: 'k', maxTokens: 512, requestTimeoutMs: 5000 });
    expect((await anthropic.complete(request, options())).usage).toEqual({ inputTokens: 1000, outputTokens: 3, cachedTokens: 900 });
  });

  it('OpenAI-compatible: prompt_tokens_details.cached_tokens', async () => {
    server.setAnswer(() => ({
      body: {
        choices: [{ index: 0, message: { role: 'assistant', content: 'ok' }, finish_reason: 'stop' }],
        usage: { prompt_tokens: 1200, completion_tokens: 4, prompt_tokens_details: { cached_tokens: 1024 } },
      },
    }));
    const openai = new OpenAiCompatibleProvider({ baseUrl: `${server.url}/v1`, model: 'gpt-4o-mini', requestTimeoutMs: 5000 });
    expect((await openai.complete(request, options())).usage).toEqual({ inputTokens: 1200, outputTokens: 4, cachedTokens: 1024 });
  });
});

describe('the request deadline', () => {
  it('ends a call to an endpoint that takes the connection and never answers, as a timeout', async () => {
    const { createServer } = await import('node:http');
    const hanging = createServer(() => undefined);
    await new Promise<void>((resolve) => hanging.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = hanging.address() as { port: number };
      const provider = new OpenAiCompatibleProvider({ baseUrl: `http://127.0.0.1:${port}/v1`, model: 'm', requestTimeoutMs: 300 });
      const started = Date.now();
      const failure = await failureOf(provider.complete(request, options()));
      expect(failure).toMatchObject({ kind: 'timeout', retryable: true });
      expect(Date.now() - started).toBeLessThan(3000);
    } finally {
      hanging.closeAllConnections();
      hanging.close();
    }
  });
});
