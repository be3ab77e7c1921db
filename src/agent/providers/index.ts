import { offeredModelNames } from '../../config/agents.js';
import type { ClawflowConfig } from '../../config/load.js';
import type { Logger } from '../../logger.js';
import { AnthropicProvider } from './anthropic.js';
import { builtInModel } from './built-in.js';
import { DemoProvider } from './demo.js';
import { EchoProvider } from './echo.js';
import { OpenAiCompatibleProvider } from './openai-compatible.js';
import type { FallbackModel } from '../../config/sections/model.js';
import { Cooldowns } from './cooldowns.js';
import { FailoverProvider } from './failover.js';
import { lazyProvider } from './lazy.js';
import type { Failover, ModelProvider } from './provider.js';

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
      const options = {
        model: endpoint.name!,
        region,
        maxTokens: endpoint.maxTokens,
        requestTimeoutMs,
        ...(endpoint.baseUrl ? { endpoint: endpoint.baseUrl } : {}),
      };
      return lazyProvider('bedrock', options.model, () => import('./bedrock-converse.js').then((m) => new m.BedrockConverseProvider(options)));
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

export interface ModelProviders {
  /** The configured model (with its fallbacks and keys, a failover chain). */
  provider: ModelProvider;
  /** The other models a session may use (model.choices, the agents' own), by name: each followed by the same fallbacks. */
  models: Map<string, ModelProvider>;
  /** By agent id, the agents with fallbacks of their own (agents.list[].fallbacks): their model, then those. */
  agents: Map<string, ModelProvider>;
}

/** An agent as the runtime needs it: its model and its own fallbacks. */
export type AgentModels = Pick<ClawflowConfig['agents']['list'][number], 'id' | 'model' | 'fallbacks'>;

/**
 * The providers the configuration names; the demo or echo provider when no endpoint is configured. With fallbacks or
 * several keys, each model is a failover chain: itself, then `model.fallbacks`, all sharing one record of what failed
 * (a fallback that is down is skipped whichever model a conversation uses).
 */
export function modelProvidersFromConfig(
  model: ClawflowConfig['model'],
  { env = process.env, onFailover, agents = [] }: { env?: NodeJS.ProcessEnv; onFailover?: (failover: Failover) => void; agents?: readonly AgentModels[] } = {},
): ModelProviders {
  // Without an endpoint: the demo model when asked for by name (CLAWFLOW_MODEL=demo), else echo.
  const builtInFor = (name: string | undefined): ModelProvider | null => {
    const builtIn = model.provider === 'openai-compatible' ? builtInModel({ ...model, name }) : null;
    return builtIn ? (builtIn === 'demo' ? new DemoProvider() : new EchoProvider()) : null;
  };
  const builtIn = builtInFor(model.name);
  if (builtIn) {
    const others = model.choices.filter((name) => name !== model.name);
    return { provider: builtIn, models: new Map(others.map((name) => [name, builtInFor(name) ?? new EchoProvider()])), agents: new Map() };
  }
  const cooldowns = new Cooldowns({ baseMs: model.cooldownSeconds * 1000, maxMs: 3_600_000 });
  const candidate = (endpoint: Endpoint) => ({
    model: endpoint.name ?? endpoint.provider,
    keys: keysOf(endpoint).map((key) => endpointProvider(endpoint, key, env)),
  });
  const fallbacks = model.fallbacks.map(candidate);
  const chainFrom = (endpoint: Endpoint, then = fallbacks): ModelProvider => {
    const first = candidate(endpoint);
    if (!then.length && first.keys.length === 1) return first.keys[0]!;
    return new FailoverProvider([first, ...then], cooldowns, onFailover);
  };
  return {
    provider: chainFrom(model),
    models: new Map(model.choices.filter((name) => name !== model.name).map((name) => [name, chainFrom({ ...model, name })])),
    agents: new Map(
      agents.flatMap((agent) =>
        agent.fallbacks?.length ? [[agent.id, chainFrom({ ...model, name: agent.model ?? model.name }, agent.fallbacks.map(candidate))] as const] : [],
      ),
    ),
  };
}

/**
 * What a runtime answers with, as `clawflow start` and `clawflow runtime` build it: the configured model, every model
 * a session may use (/model choices, the agents' own), the agents' own fallbacks; failovers logged as warnings.
 */
export function runtimeModelsFromConfig(
  config: Pick<ClawflowConfig, 'agents'>,
  model: ClawflowConfig['model'],
  logger: Pick<Logger, 'warn'>,
): { provider: ModelProvider; models: Map<string, ModelProvider>; agentModels: Map<string, ModelProvider> } {
  const { provider, models, agents } = modelProvidersFromConfig(
    { ...model, choices: offeredModelNames({ model, agents: config.agents }) },
    {
      agents: config.agents.list,
      onFailover: (failover) => logger.warn({ model: failover.model, kind: failover.kind, err: failover.message }, 'a model failed; the next one is asked'),
    },
  );
  return { provider, models, agentModels: agents };
}

/** The configured model's provider alone (see modelProvidersFromConfig). */
export function providerFromConfig(model: ClawflowConfig['model'], env: NodeJS.ProcessEnv = process.env): ModelProvider {
  return modelProvidersFromConfig(model, { env }).provider;
}
