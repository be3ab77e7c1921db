import type { ClawflowConfig } from '../../config/load.js';
import { runtimeToken } from '../../config/secrets.js';
import { agentCoreDescription, regionOfArn } from './arn.js';
import { createHttpTransport } from './http.js';
import { createInProcessTransport } from './in-process.js';
import type { RuntimeInvocations } from '../runtime/server.js';
import type { AgentTransport } from './transport.js';

/** Where the local agent runtime is: its URL, and its invocations when it runs in this very process. */
export interface RuntimeLocation {
  url: string;
  inProcess?: RuntimeInvocations;
}

/** AgentCore when an agent runtime ARN is configured, else the local runtime: called directly when in this process. */
export function transportFromConfig(config: Pick<ClawflowConfig, 'agentcore' | 'runtime' | 'paths'>, runtime: RuntimeLocation): AgentTransport {
  const { runtimeArn, qualifier, region, endpoint } = config.agentcore;
  if (!runtimeArn) return runtime.inProcess ? createInProcessTransport(runtime.inProcess) : createHttpTransport(runtime.url, runtimeToken(config));
  const options = { runtimeArn, qualifier, region: region ?? regionOfArn(runtimeArn)!, ...(endpoint ? { endpoint } : {}) };
  // The AWS SDK (tens of MB) is loaded at the first call, not by every process that reads this configuration.
  let loaded: Promise<AgentTransport> | null = null;
  const transport = () => (loaded ??= import('./agentcore.js').then((m) => m.createAgentCoreTransport(options)));
  return {
    description: agentCoreDescription(options),
    invoke: async (runtimeSessionId, payload, signal, onText) => (await transport()).invoke(runtimeSessionId, payload, signal, onText),
    stopSession: async (runtimeSessionId) => (await transport()).stopSession(runtimeSessionId),
  };
}

export type { AgentTransport } from './transport.js';
export { TransportError } from './transport.js';
