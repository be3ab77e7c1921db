import { createServer } from 'node:net';
import { envBindings } from '../config/env.js';
import { channelPorts } from '../config/channels.js';
import type { ClawflowConfig } from '../config/load.js';

/** A port `clawflow start` listens on, and the settings that move it. */
export interface StackPort {
  what: string;
  host: string;
  port: number;
  /** Its configuration key, e.g. `api.port`. */
  key: string;
}

/** How a person changes it: the environment variable, if there is one, and the configuration key. */
function settingOf(key: string): string {
  const binding = envBindings.find((b) => b.path.join('.') === key);
  return binding ? `${binding.env} or ${key}` : key;
}

/** Every fixed port this configuration's `clawflow start` will listen on (those it can do without are left out). */
export function stackPorts(config: ClawflowConfig): StackPort[] {
  const ports: StackPort[] = [];
  if (!config.temporal.address) {
    ports.push(
      { what: 'Temporal gRPC', host: '127.0.0.1', port: config.temporal.port, key: 'temporal.port' },
      { what: 'Temporal HTTP API', host: '127.0.0.1', port: config.temporal.httpPort, key: 'temporal.httpPort' },
      { what: 'Temporal Web UI', host: '127.0.0.1', port: config.temporal.uiPort, key: 'temporal.uiPort' },
    );
  }
  if (!config.agentcore.runtimeArn && !config.runtime.url)
    ports.push({ what: 'agent runtime', host: '127.0.0.1', port: config.runtime.port, key: 'runtime.port' });
  if (config.api.enabled) ports.push({ what: 'OpenAI-compatible API', host: config.api.host, port: config.api.port, key: 'api.port' });
  if (config.console.enabled) ports.push({ what: 'console', host: '127.0.0.1', port: config.console.port, key: 'console.port' });
  for (const channel of channelPorts(config, { enabledOnly: true })) ports.push({ ...channel, host: '127.0.0.1' });
  if (config.metrics.port) ports.push({ what: 'Prometheus metrics', host: '127.0.0.1', port: config.metrics.port, key: 'metrics.port' });
  return ports;
}

function inUse(host: string, port: number): Promise<string | null> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once('error', (error: NodeJS.ErrnoException) => resolve(error.code === 'EADDRINUSE' ? 'in use' : error.message));
    probe.listen(port, host, () => probe.close(() => resolve(null)));
  });
}

/**
 * Refuses to start anything while a port the stack needs is taken: one error naming every such port and the setting
 * that moves it (a half-started stack that fails on its fifth port helps nobody).
 */
export async function assertStackPortsFree(config: ClawflowConfig): Promise<void> {
  const taken = (await Promise.all(stackPorts(config).map(async (p) => ({ ...p, problem: await inUse(p.host, p.port) })))).filter((p) => p.problem !== null);
  if (taken.length === 0) return;
  const lines = taken.map((p) => `  ${p.host}:${p.port} (${p.what}) is ${p.problem}: choose another with ${settingOf(p.key)}`);
  const temporal = taken.some((p) => p.key === 'temporal.port')
    ? `\nIf a Temporal server already runs on ${config.temporal.port}, use it with TEMPORAL_ADDRESS=127.0.0.1:${config.temporal.port}.`
    : '';
  throw new Error(
    `ClawFlow cannot start: ${taken.length === 1 ? 'a port it needs is' : 'ports it needs are'} taken.\n${lines.join('\n')}${temporal}\nNothing was started.`,
  );
}
