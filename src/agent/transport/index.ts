import type { ClawflowConfig } from '../../config/load.js';
import { runtimeToken } from '../../config/secrets.js';
import { createAgentCoreTransport, regionOfArn } from './agentcore.js';
import { createHttpTransport } from './http.js';
import type { AgentTransport } from './transport.js';

/** AgentCore when an agent runtime ARN is configured, else the local runtime at `runtimeUrl`. */
export function transportFromConfig(config: ClawflowConfig, runtimeUrl: string): AgentTransport {
  const { runtimeArn, qualifier, region, endpoint } = config.agentcore;
  if (!runtimeArn) return createHttpTransport(runtimeUrl, runtimeToken(config));
  return createAgentCoreTransport({ runtimeArn, qualifier, region: region ?? regionOfArn(runtimeArn)!, ...(endpoint ? { endpoint } : {}) });
}

export type { AgentTransport } from './transport.js';
export { TransportError } from './transport.js';
