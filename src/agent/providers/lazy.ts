import type { ModelProvider } from './provider.js';

/**
 * A provider whose module is loaded at its first call: an SDK that weighs tens of MB (the AWS SDK's Bedrock client)
 * stays out of a process whose configuration only names it as a fallback, or not at all.
 */
export function lazyProvider(name: string, model: string, load: () => Promise<ModelProvider>): ModelProvider {
  let loaded: Promise<ModelProvider> | null = null;
  return {
    name,
    model,
    complete: async (request, options) => (await (loaded ??= load())).complete(request, options),
  };
}
