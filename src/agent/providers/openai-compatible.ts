import { z } from 'zod';
import type { ToolCall } from '../../contracts/agent-runtime.js';
import { sseEvents } from '../../http/sse.js';
import {
  failOnHttpError,
  parseToolArguments,
  postJson,
  ProviderError,
  type CompleteOptions,
  type Completion,
  type ModelMessage,
  type ModelProvider,
  type ModelRequest,
} from './provider.js';

export interface OpenAiCompatibleOptions {
  baseUrl: string;
  model: string;
  apiKey?: string;
  requestTimeoutMs: number;
}

const toolCallBody = z.object({
  id: z.string(),
  function: z.object({ name: z.string(), arguments: z.string().default('') }),
});

const completionBody = z.object({
  choices: z.array(z.object({ message: z.object({ content: z.string().nullish(), tool_calls: z.array(toolCallBody).nullish() }) })).min(1),
  usage: z
    .object({
      prompt_tokens: z.number().optional(),
      completion_tokens: z.number().optional(),
      /** The part of the prompt read from the provider's cache (OpenAI, and servers that follow it). */
      prompt_tokens_details: z.object({ cached_tokens: z.number().optional() }).nullish(),
    })
    .nullish(),
});

const chunkBody = z.object({
  choices: z
    .array(
      z.object({
        delta: z
          .object({
            content: z.string().nullish(),
            tool_calls: z
              .array(
                z.object({
                  index: z.number(),
                  id: z.string().nullish(),
                  function: z.object({ name: z.string().nullish(), arguments: z.string().nullish() }).nullish(),
                }),
              )
              .nullish(),
          })
          .nullish(),
      }),
    )
    .default([]),
  usage: completionBody.shape.usage,
});

function toWire(system: string, messages: ModelMessage[]): unknown[] {
  return [
    { role: 'system', content: system },
    ...messages.map((m) => {
      if (m.role === 'tool') return { role: 'tool', tool_call_id: m.callId, content: m.isError ? `Error: ${m.content}` : m.content };
      if (m.role === 'assistant' && m.toolCalls?.length) {
        return {
          role: 'assistant',
          content: m.content || null,
          tool_calls: m.toolCalls.map((c) => ({ id: c.id, type: 'function', function: { name: c.name, arguments: JSON.stringify(c.input) } })),
        };
      }
      if (m.role === 'user' && m.images?.length) {
        // Vision: the words, then each image as a data URL (OpenAI's image_url part, which Ollama, vLLM and OpenRouter take too).
        return {
          role: 'user',
          content: [
            { type: 'text', text: m.content },
            ...m.images.map((i) => ({ type: 'image_url', image_url: { url: `data:${i.mimeType};base64,${i.data}` } })),
          ],
        };
      }
      return { role: m.role, content: m.content };
    }),
  ];
}

function usageOf(usage: z.infer<typeof completionBody>['usage']): Pick<Completion, 'usage'> {
  if (!usage) return {};
  const cached = usage.prompt_tokens_details?.cached_tokens;
  return { usage: { inputTokens: usage.prompt_tokens, outputTokens: usage.completion_tokens, ...(cached ? { cachedTokens: cached } : {}) } };
}

/** Chat Completions over HTTP: OpenAI, Ollama, vLLM, OpenRouter, LM Studio… Streams when asked for text deltas. */
export class OpenAiCompatibleProvider implements ModelProvider {
  readonly name = 'openai-compatible';
  readonly model: string;
  private readonly url: string;

  constructor(private readonly options: OpenAiCompatibleOptions) {
    this.model = options.model;
    this.url = `${options.baseUrl.replace(/\/+$/, '')}/chat/completions`;
  }

  /** Set once the endpoint refused `reasoning_effort`: this model takes no thinking setting, and gets none. */
  private reasoningRefused = false;

  async complete(request: ModelRequest, options: CompleteOptions): Promise<Completion> {
    const effort = request.thinking && request.thinking !== 'off' && !this.reasoningRefused ? request.thinking : null;
    try {
      return await this.completeWith(request, effort, options);
    } catch (error) {
      // A model without a reasoning setting refuses the parameter: it is asked again without, from now on.
      if (!effort || !(error instanceof ProviderError) || error.kind !== 'request' || !/reasoning/i.test(error.message)) throw error;
      this.reasoningRefused = true;
      return this.completeWith(request, null, options);
    }
  }

  private async completeWith(request: ModelRequest, effort: string | null, { signal, onText }: CompleteOptions): Promise<Completion> {
    const stream = onText !== undefined;
    const body = {
      model: this.model,
      ...(effort ? { reasoning_effort: effort } : {}),
      messages: toWire(request.system, request.messages),
      ...(request.tools.length
        ? {
            tools: request.tools.map((t) => ({ type: 'function', function: { name: t.name, description: t.description, parameters: t.inputSchema } })),
            tool_choice: request.toolsAllowed ? 'auto' : 'none',
          }
        : {}),
      ...(stream ? { stream: true, stream_options: { include_usage: true } } : {}),
    };
    const headers: Record<string, string> = this.options.apiKey ? { authorization: `Bearer ${this.options.apiKey}` } : {};
    return postJson(this.url, headers, body, signal, this.options.requestTimeoutMs, async (response) => {
      await failOnHttpError(response, 'model endpoint');
      if (stream && response.headers.get('content-type')?.includes('text/event-stream') && response.body) return this.readStream(response.body, onText);

      const text = await response.text();
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch {
        throw new ProviderError(`model endpoint answered with invalid JSON: ${text.slice(0, 200)}`, true);
      }
      const parsed = completionBody.safeParse(json);
      if (!parsed.success) throw new ProviderError(`model endpoint answered without a chat completion: ${text.slice(0, 200)}`, false);
      const message = parsed.data.choices[0]!.message;
      const completion: Completion = {
        text: message.content ?? '',
        toolCalls: (message.tool_calls ?? []).map((c) => ({ id: c.id, name: c.function.name, input: parseToolArguments(c.function.arguments) })),
        ...usageOf(parsed.data.usage),
      };
      if (onText && completion.text) onText(completion.text);
      return completion;
    });
  }

  private async readStream(body: ReadableStream<Uint8Array>, onText: (delta: string) => void): Promise<Completion> {
    let text = '';
    const calls = new Map<number, { id: string; name: string; args: string }>();
    let usage: Pick<Completion, 'usage'> = {};
    for await (const event of sseEvents(body)) {
      if (event.data === '[DONE]') break;
      const chunk = chunkBody.safeParse(JSON.parse(event.data));
      if (!chunk.success) throw new ProviderError(`model endpoint streamed an unexpected chunk: ${event.data.slice(0, 200)}`, false);
      if (chunk.data.usage) usage = usageOf(chunk.data.usage);
      const delta = chunk.data.choices[0]?.delta;
      if (delta?.content) {
        text += delta.content;
        onText(delta.content);
      }
      for (const part of delta?.tool_calls ?? []) {
        const call = calls.get(part.index) ?? { id: '', name: '', args: '' };
        call.id ||= part.id ?? '';
        call.name += part.function?.name ?? '';
        call.args += part.function?.arguments ?? '';
        calls.set(part.index, call);
      }
    }
    const toolCalls: ToolCall[] = [...calls.values()].map((c) => ({ id: c.id, name: c.name, input: parseToolArguments(c.args) }));
    return { text, toolCalls, ...usage };
  }
}
