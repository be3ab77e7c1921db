import type { ClawflowConfig } from '../config/load.js';
import { readRunningStack } from '../config/running-stack.js';

/** Where Temporal is: the configured server, or the one the stack running from this state dir started. */
export type TemporalPlace = Pick<ClawflowConfig, 'temporal' | 'paths'>;

/** TEMPORAL_ADDRESS if set; else where a stack running from this state dir said it listens; else the configured port. */
export function temporalAddress(config: TemporalPlace): string {
  return config.temporal.address ?? readRunningStack(config.paths.home)?.temporalAddress ?? `127.0.0.1:${config.temporal.port}`;
}

/**
 * The HTTP API port of the dev server the stack running from this state dir started (it said so in stack.json), or
 * null: another Temporal (TEMPORAL_ADDRESS), or no stack running — the read commands then use the gRPC client.
 */
export function devServerHttpPort(config: TemporalPlace): number | null {
  if (config.temporal.address) return null;
  return readRunningStack(config.paths.home)?.temporalHttpPort ?? null;
}
