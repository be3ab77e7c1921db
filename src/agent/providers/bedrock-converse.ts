import { withinDeadline } from '../../http/deadline.js';
import { BedrockRuntimeClient, ConverseCommand, type ContentBlock, type ImageFormat, type Message, type Tool } from '@aws-sdk/client-bedrock-runtime';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import type { DocumentType } from '@smithy/types';
import {
  alternatingTurns,
  isRetryableStatus,
  failureKindOf,
  ProviderError,
  thinkingBudgetFor,
  type ModelFailureKind,
  type CompleteOptions,
  type Completion,
  type ModelImage,
  type ModelMessage,
  type ModelProvider,
  type ModelRequest,
} from './provider.js';

export interface BedrockConverseOptions {
  model: string;
  region: string;
  /** Another endpoint than the region's (a VPC endpoint, or a local server in tests). */
  endpoint?: string;
  maxTokens: number;
  requestTimeoutMs: number;
}

const retryableErrors = new Set([
  'ThrottlingException',
  'ServiceUnavailableException',
  'InternalServerException',
  'ModelNotReadyException',
  'ModelTimeoutException',
  'ServiceQuotaExceededException',
]);

const imageFormats = { 'image/jpeg': 'jpeg', 'image/png': 'png', 'image/gif': 'gif', 'image/webp': 'webp' } as const satisfies Record<
  ModelImage['mimeType'],
  ImageFormat
>;

function blocksOf(m: ModelMessage): ContentBlock[] {
  if (m.role === 'tool') return [{ toolResult: { toolUseId: m.callId, content: [{ text: m.content }], status: m.isError ? 'error' : 'success' } }];
  return [
    ...(m.role === 'user'
      ? (m.images ?? []).map((i): ContentBlock => ({ image: { format: imageFormats[i.mimeType], source: { bytes: Buffer.from(i.data, 'base64') } } }))
      : []),
    ...(m.content ? [{ text: m.content }] : []),
    ...(m.role === 'assistant' ? (m.toolCalls ?? []).map((c) => ({ toolUse: { toolUseId: c.id, name: c.name, input: c.input as DocumentType } })) : []),
  ];
}

/** Amazon Bedrock's Converse API, through the AWS SDK (credentials from the default provider chain). */
export class BedrockConverseProvider implements ModelProvider {
  readonly name = 'bedrock';
  readonly model: string;
  private readonly client: BedrockRuntimeClient;

  constructor(private readonly options: BedrockConverseOptions) {
    this.model = options.model;
    this.client = new BedrockRuntimeClient({
      region: options.region,
      // Temporal retries the turn; the SDK's own retries would only hide the attempts from the history.
      maxAttempts: 1,
      // Converse is plain request/response: HTTP/1.1 is enough, and works through any proxy or endpoint override.
      requestHandler: new NodeHttpHandler(),
      ...(options.endpoint ? { endpoint: options.endpoint } : {}),
    });
  }

  async complete(request: ModelRequest, { signal, onText }: CompleteOptions): Promise<Completion> {
    const tools: Tool[] = request.tools.map((t) => ({
      toolSpec: { name: t.name, description: t.description, inputSchema: { json: t.inputSchema as DocumentType } },
    }));
    // Converse has no "none" tool choice: on the last step the model is told in words to answer without tools.
    const system = request.toolsAllowed || !tools.length ? request.system : `${request.system}\n\nDo not call any tool now: answer with what you have.`;
    const budget = /claude/i.test(this.model) ? thinkingBudgetFor(request) : null;
    let output;
    try {
      const command = new ConverseCommand({
        modelId: this.model,
        system: [{ text: system }],
        messages: alternatingTurns(request.messages, blocksOf) as Message[],
        inferenceConfig: { maxTokens: this.options.maxTokens + (budget ?? 0) },
        // Claude on Bedrock thinks through Anthropic's own field; other models have no such setting and get none.
        ...(budget ? { additionalModelRequestFields: { thinking: { type: 'enabled', budget_tokens: budget } } } : {}),
        ...(tools.length ? { toolConfig: { tools } } : {}),
      });
      output = await withinDeadline(this.options.requestTimeoutMs, signal, (deadline) => this.client.send(command, { abortSignal: deadline }));
    } catch (error) {
      if (signal.aborted) throw error;
      const e = error as Error & { $metadata?: { httpStatusCode?: number } };
      const status = e.$metadata?.httpStatusCode;
      const retryable = retryableErrors.has(e.name) || (status === undefined ? true : isRetryableStatus(status));
      throw new ProviderError(`Bedrock Converse failed (${e.name}): ${e.message}`, retryable, bedrockFailureKind(e.name, status, e.message));
    }
    const content = output.output?.message?.content ?? [];
    const text = content.flatMap((b) => (b.text !== undefined ? [b.text] : [])).join('');
    if (onText && text) onText(text);
    return {
      text,
      toolCalls: content.flatMap((b) =>
        b.toolUse ? [{ id: b.toolUse.toolUseId ?? '', name: b.toolUse.name ?? '', input: (b.toolUse.input ?? {}) as Record<string, unknown> }] : [],
      ),
      ...(output.usage
        ? {
            usage: {
              inputTokens: output.usage.inputTokens,
              outputTokens: output.usage.outputTokens,
              ...(output.usage.cacheReadInputTokens ? { cachedTokens: output.usage.cacheReadInputTokens } : {}),
            },
          }
        : {}),
    };
  }
}

/** Bedrock's exceptions as failure kinds (see ModelFailureKind). */
function bedrockFailureKind(name: string, status: number | undefined, message: string): ModelFailureKind {
  if (name === 'ThrottlingException' || name === 'ServiceQuotaExceededException') return 'rateLimited';
  if (name === 'AccessDeniedException' || name === 'UnrecognizedClientException' || name === 'ExpiredTokenException') return 'auth';
  if (name === 'ModelTimeoutException' || name === 'TimeoutError') return 'timeout';
  if (status === undefined) return 'unreachable';
  return failureKindOf(status, message);
}
