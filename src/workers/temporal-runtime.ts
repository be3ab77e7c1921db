import { Runtime } from '@temporalio/worker';
import type { Logger } from '../logger.js';
import { temporalLoggerFrom } from './temporal-logger.js';

let installed = false;

/** Installs the Temporal worker runtime once per process, with our logger and without its own signal handlers. */
export function installTemporalRuntime(logger: Logger): void {
  if (installed) return;
  // Signals are ours to handle: `clawflow start` stops the workers, then the runtime, then Temporal.
  Runtime.install({ logger: temporalLoggerFrom(logger.child({ component: 'temporal' }), 'warn'), shutdownSignals: [] });
  installed = true;
}
