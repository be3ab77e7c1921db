import type { ClawflowConfig } from '../../config/load.js';
import { runtimeToken } from '../../config/secrets.js';
import { createAgentCoreTransport, regionOfArn } from './agentcore.js';
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
  return createAgentCoreTransport({ runtimeArn, qualifier, region: region ?? regionOfArn(runtimeArn)!, ...(endpoint ? { endpoint } : {}) });
}

export type { AgentTransport } from './transport.js';
export { TransportError } from './transport.js';
