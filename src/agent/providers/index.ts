import type { ClawflowConfig } from '../../config/load.js';
import { AnthropicProvider } from './anthropic.js';
import { BedrockConverseProvider } from './bedrock-converse.js';
import { builtInModel } from './built-in.js';
import { DemoProvider } from './demo.js';
import { EchoProvider } from './echo.js';
import { OpenAiCompatibleProvider } from './openai-compatible.js';
import type { ModelProvider } from './provider.js';

/** The providers of the other models a session may choose with /model (model.choices), by name. */
export function modelChoicesFromConfig(model: ClawflowConfig['model'], env: NodeJS.ProcessEnv = process.env): Map<string, ModelProvider> {
  return new Map(model.choices.filter((name) => name !== model.name).map((name) => [name, providerFromConfig({ ...model, name }, env)]));
}

/** The provider the configuration names; the demo or echo provider when no endpoint is configured. */
export function providerFromConfig(model: ClawflowConfig['model'], env: NodeJS.ProcessEnv = process.env): ModelProvider {
  const requestTimeoutMs = model.requestTimeoutSeconds * 1000;
  switch (model.provider) {
    case 'anthropic':
      return new AnthropicProvider({
        baseUrl: model.baseUrl ?? 'https://api.anthropic.com',
        model: model.name!,
        apiKey: model.apiKey!,
        maxTokens: model.maxTokens,
        requestTimeoutMs,
      });
    case 'bedrock': {
      const region = model.region ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION;
      if (!region) throw new Error('model.provider "bedrock" needs a region: set model.region (CLAWFLOW_MODEL_REGION) or AWS_REGION');
      return new BedrockConverseProvider({
        model: model.name!,
        region,
        maxTokens: model.maxTokens,
        requestTimeoutMs,
        ...(model.baseUrl ? { endpoint: model.baseUrl } : {}),
      });
    }
    case 'openai-compatible': {
      // Without an endpoint: the demo model when asked for by name (CLAWFLOW_MODEL=demo), else echo.
      const builtIn = builtInModel(model);
      if (builtIn) return builtIn === 'demo' ? new DemoProvider() : new EchoProvider();
      return new OpenAiCompatibleProvider({ baseUrl: model.baseUrl!, model: model.name!, requestTimeoutMs, ...(model.apiKey ? { apiKey: model.apiKey } : {}) });
    }
  }
}
