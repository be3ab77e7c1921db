import type { Completion, ModelMessage, ModelProvider } from './provider.js';

/** Answers without a model, so the whole stack works before one is configured. */
export class EchoProvider implements ModelProvider {
  readonly name = 'echo';
  readonly model = 'echo';

  complete(messages: ModelMessage[]): Promise<Completion> {
    const last = messages.at(-1)?.content ?? '';
    const earlier = messages.filter((m) => m.role === 'user').length - 1;
    return Promise.resolve({ text: `echo: ${last} (${earlier} earlier message${earlier === 1 ? '' : 's'} in this session)` });
  }
}
