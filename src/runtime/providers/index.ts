import type { ClawflowConfig } from '../../config/load.js';
import { EchoProvider } from './echo.js';
import { OpenAiCompatibleProvider } from './openai-compatible.js';
import type { ModelProvider } from './provider.js';

/** The provider the configuration names; the echo provider when no model endpoint is set. */
export function providerFromConfig(model: ClawflowConfig['model']): ModelProvider {
  if (!model.baseUrl) return new EchoProvider();
  return new OpenAiCompatibleProvider({
    baseUrl: model.baseUrl,
    model: model.name ?? 'default',
    ...(model.apiKey ? { apiKey: model.apiKey } : {}),
    requestTimeoutMs: model.requestTimeoutSeconds * 1000,
  });
}
