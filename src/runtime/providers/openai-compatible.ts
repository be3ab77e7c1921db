import { z } from 'zod';
import { ProviderError, type Completion, type ModelMessage, type ModelProvider } from './provider.js';

export interface OpenAiCompatibleOptions {
  baseUrl: string;
  model: string;
  apiKey?: string;
  requestTimeoutMs: number;
}

const completionBody = z.object({
  choices: z.array(z.object({ message: z.object({ content: z.string().nullable() }) })).min(1),
  usage: z.object({ prompt_tokens: z.number().optional(), completion_tokens: z.number().optional() }).optional(),
});

/** Chat Completions over HTTP: OpenAI, Ollama, vLLM, OpenRouter, LM Studio… */
export class OpenAiCompatibleProvider implements ModelProvider {
  readonly name = 'openai-compatible';
  readonly model: string;
  private readonly url: string;

  constructor(private readonly options: OpenAiCompatibleOptions) {
    this.model = options.model;
    this.url = `${options.baseUrl.replace(/\/+$/, '')}/chat/completions`;
  }

  async complete(messages: ModelMessage[], signal: AbortSignal): Promise<Completion> {
    let response: Response;
    try {
      response = await fetch(this.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...(this.options.apiKey ? { authorization: `Bearer ${this.options.apiKey}` } : {}),
        },
        body: JSON.stringify({ model: this.model, messages }),
        signal: AbortSignal.any([signal, AbortSignal.timeout(this.options.requestTimeoutMs)]),
      });
    } catch (error) {
      const reason = (error as Error).name === 'TimeoutError' ? 'timed out' : String((error as Error).cause ?? (error as Error).message);
      throw new ProviderError(`model endpoint ${this.url} ${reason === 'timed out' ? 'timed out' : `is unreachable: ${reason}`}`, true);
    }
    const text = await response.text();
    if (!response.ok) {
      const retryable = response.status >= 500 || response.status === 429 || response.status === 408;
      throw new ProviderError(`model endpoint answered HTTP ${response.status}: ${text.slice(0, 500)}`, retryable);
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw new ProviderError(`model endpoint answered with invalid JSON: ${text.slice(0, 200)}`, true);
    }
    const parsed = completionBody.safeParse(json);
    if (!parsed.success) throw new ProviderError(`model endpoint answered without a chat completion: ${text.slice(0, 200)}`, false);
    const usage = parsed.data.usage;
    return {
      text: parsed.data.choices[0]!.message.content ?? '',
      ...(usage ? { usage: { inputTokens: usage.prompt_tokens, outputTokens: usage.completion_tokens } } : {}),
    };
  }
}
