import type { CompleteOptions, Completion, ModelProvider, ModelRequest } from './provider.js';

/** Answers without a model, so the whole stack works before one is configured. */
export class EchoProvider implements ModelProvider {
  readonly name = 'echo';
  readonly model = 'echo';

  complete(request: ModelRequest, { onText }: CompleteOptions): Promise<Completion> {
    const users = request.messages.filter((m) => m.role === 'user');
    const earlier = users.length - 1;
    const text = `echo: ${users.at(-1)?.content ?? ''} (${earlier} earlier message${earlier === 1 ? '' : 's'} in this session)`;
    onText?.(text);
    return Promise.resolve({ text, toolCalls: [] });
  }
}
