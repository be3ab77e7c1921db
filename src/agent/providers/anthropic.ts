import { z } from 'zod';
import {
  alternatingTurns,
  failOnHttpError,
  postJson,
  ProviderError,
  thinkingBudgetFor,
  type CompleteOptions,
  type Completion,
  type ModelMessage,
  type ModelProvider,
  type ModelRequest,
} from './provider.js';

export interface AnthropicOptions {
  /** Default https://api.anthropic.com */
  baseUrl: string;
  model: string;
  apiKey: string;
  maxTokens: number;
  requestTimeoutMs: number;
}

const messageBody = z.object({
  content: z.array(
    z.discriminatedUnion('type', [
      z.object({ type: z.literal('text'), text: z.string() }),
      z.object({ type: z.literal('tool_use'), id: z.string(), name: z.string(), input: z.record(z.string(), z.unknown()) }),
      z.object({ type: z.literal('thinking') }).loose(),
      z.object({ type: z.literal('redacted_thinking') }).loose(),
    ]),
  ),
  usage: z
    .object({
      input_tokens: z.number().optional(),
      output_tokens: z.number().optional(),
      /** Prompt tokens read from, and written to, the prompt cache: not counted in input_tokens. */
      cache_read_input_tokens: z.number().nullish(),
      cache_creation_input_tokens: z.number().nullish(),
    })
    .optional(),
});

type Block = Record<string, unknown>;

function blocksOf(m: ModelMessage): Block[] {
  if (m.role === 'tool') return [{ type: 'tool_result', tool_use_id: m.callId, content: m.content, ...(m.isError ? { is_error: true } : {}) }];
  return [
    // Images before the words about them, as Anthropic advises.
    ...(m.role === 'user' ? (m.images ?? []).map((i) => ({ type: 'image', source: { type: 'base64', media_type: i.mimeType, data: i.data } })) : []),
    ...(m.content ? [{ type: 'text', text: m.content }] : []),
    ...(m.role === 'assistant' ? (m.toolCalls ?? []).map((c) => ({ type: 'tool_use', id: c.id, name: c.name, input: c.input })) : []),
  ];
}

/** The Anthropic Messages API (`POST /v1/messages`). */
export class AnthropicProvider implements ModelProvider {
  readonly name = 'anthropic';
  readonly model: string;
  private readonly url: string;

  constructor(private readonly options: AnthropicOptions) {
    this.model = options.model;
    this.url = `${options.baseUrl.replace(/\/+$/, '')}/v1/messages`;
  }

  async complete(request: ModelRequest, { signal, onText }: CompleteOptions): Promise<Completion> {
    const budget = thinkingBudgetFor(request);
    const body = {
      model: this.model,
      // The thinking budget is part of max_tokens: the answer keeps its own.
      max_tokens: this.options.maxTokens + (budget ?? 0),
      ...(budget ? { thinking: { type: 'enabled', budget_tokens: budget } } : {}),
      system: request.system,
      messages: alternatingTurns(request.messages, blocksOf),
      ...(request.tools.length
        ? {
            tools: request.tools.map((t) => ({ name: t.name, description: t.description, input_schema: t.inputSchema })),
            tool_choice: { type: request.toolsAllowed ? 'auto' : 'none' },
          }
        : {}),
    };
    const headers = { 'x-api-key': this.options.apiKey, 'anthropic-version': '2023-06-01' };
    return postJson(this.url, headers, body, signal, this.options.requestTimeoutMs, async (response) => {
      await failOnHttpError(response, 'Anthropic API');
      const json: unknown = await response.json().catch(() => {
        throw new ProviderError('Anthropic API answered with invalid JSON', true);
      });
      const parsed = messageBody.safeParse(json);
      if (!parsed.success) throw new ProviderError(`Anthropic API answered without a message: ${JSON.stringify(json).slice(0, 200)}`, false);
      const text = parsed.data.content.flatMap((b) => (b.type === 'text' ? [b.text] : [])).join('');
      if (onText && text) onText(text);
      const usage = parsed.data.usage;
      return {
        text,
        toolCalls: parsed.data.content.flatMap((b) => (b.type === 'tool_use' ? [{ id: b.id, name: b.name, input: b.input }] : [])),
        ...(usage ? { usage: usageOf(usage) } : {}),
      };
    });
  }
}

/** Anthropic's usage as ClawFlow counts it: every prompt token is input, those read from the cache also cached. */
function usageOf(usage: NonNullable<z.infer<typeof messageBody>['usage']>): NonNullable<Completion['usage']> {
  const read = usage.cache_read_input_tokens ?? 0;
  const input = (usage.input_tokens ?? 0) + read + (usage.cache_creation_input_tokens ?? 0);
  return { inputTokens: input, outputTokens: usage.output_tokens, ...(read ? { cachedTokens: read } : {}) };
}
