import type { ClawflowConfig } from '../../config/load.js';
import { AnthropicProvider } from './anthropic.js';
import { BedrockConverseProvider } from './bedrock-converse.js';
import { builtInModel } from './built-in.js';
import { DemoProvider } from './demo.js';
import { EchoProvider } from './echo.js';
import { OpenAiCompatibleProvider } from './openai-compatible.js';
import type { FallbackModel } from '../../config/sections/model.js';
import { Cooldowns } from './cooldowns.js';
import { FailoverProvider } from './failover.js';
import type { Failover, ModelProvider } from './provider.js';

/** The providers of the other models a session may choose with /model (model.choices), by name. */
export function modelChoicesFromConfig(model: ClawflowConfig['model'], env: NodeJS.ProcessEnv = process.env): Map<string, ModelProvider> {
  return new Map(model.choices.filter((name) => name !== model.name).map((name) => [name, providerFromConfig({ ...model, name, fallbacks: [] }, env)]));
}

type Endpoint = Omit<FallbackModel, 'apiKeys'> & { apiKeys?: string[] };

/** One endpoint's provider, with one of its keys. */
function endpointProvider(endpoint: Endpoint, apiKey: string | undefined, env: NodeJS.ProcessEnv): ModelProvider {
  const requestTimeoutMs = endpoint.requestTimeoutSeconds * 1000;
  switch (endpoint.provider) {
    case 'anthropic':
      return new AnthropicProvider({
        baseUrl: endpoint.baseUrl ?? 'https://api.anthropic.com',
        model: endpoint.name!,
        apiKey: apiKey!,
        maxTokens: endpoint.maxTokens,
        requestTimeoutMs,
      });
    case 'bedrock': {
      const region = endpoint.region ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION;
      if (!region) throw new Error('model.provider "bedrock" needs a region: set model.region (CLAWFLOW_MODEL_REGION) or AWS_REGION');
      return new BedrockConverseProvider({
        model: endpoint.name!,
        region,
        maxTokens: endpoint.maxTokens,
        requestTimeoutMs,
        ...(endpoint.baseUrl ? { endpoint: endpoint.baseUrl } : {}),
      });
    }
    case 'openai-compatible':
      return new OpenAiCompatibleProvider({ baseUrl: endpoint.baseUrl!, model: endpoint.name!, requestTimeoutMs, ...(apiKey ? { apiKey } : {}) });
  }
}

/** An endpoint's keys: `apiKey`, then `apiKeys` (none: one provider without a key). */
function keysOf(endpoint: Endpoint): Array<string | undefined> {
  const keys = [...new Set([...(endpoint.apiKey ? [endpoint.apiKey] : []), ...(endpoint.apiKeys ?? [])])];
  return keys.length ? keys : [undefined];
}

/**
 * The provider the configuration names; the demo or echo provider when no endpoint is configured. With fallbacks or
 * several keys, a failover chain over them (cooling down what fails).
 */
export function providerFromConfig(
  model: ClawflowConfig['model'],
  env: NodeJS.ProcessEnv = process.env,
  onFailover?: (failover: Failover) => void,
): ModelProvider {
  // Without an endpoint: the demo model when asked for by name (CLAWFLOW_MODEL=demo), else echo.
  const builtIn = model.provider === 'openai-compatible' ? builtInModel(model) : null;
  if (builtIn) return builtIn === 'demo' ? new DemoProvider() : new EchoProvider();
  const endpoints: Endpoint[] = [model, ...model.fallbacks];
  const chain = endpoints.map((endpoint) => ({
    model: endpoint.name ?? endpoint.provider,
    keys: keysOf(endpoint).map((key) => endpointProvider(endpoint, key, env)),
  }));
  if (chain.length === 1 && chain[0]!.keys.length === 1) return chain[0]!.keys[0]!;
  return new FailoverProvider(chain, new Cooldowns({ baseMs: model.cooldownSeconds * 1000, maxMs: 3_600_000 }), onFailover);
}
