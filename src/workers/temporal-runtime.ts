import { Runtime } from '@temporalio/worker';
import type { Logger } from '../logger.js';
import { temporalLoggerFrom } from './temporal-logger.js';

let installed = false;

/**
 * Installs the Temporal worker runtime once per process, with our logger and without its own signal handlers; with a
 * metrics port, the SDK's metrics and ClawFlow's own (clawflow_*) are served for Prometheus on 127.0.0.1:<port>/metrics.
 */
export function installTemporalRuntime(logger: Logger, metricsPort?: number): void {
  if (installed) return;
  // Signals are ours to handle: `clawflow start` stops the workers, then the runtime, then Temporal.
  Runtime.install({
    logger: temporalLoggerFrom(logger.child({ component: 'temporal' }), 'warn'),
    shutdownSignals: [],
    ...(metricsPort ? { telemetryOptions: { metrics: { prometheus: { bindAddress: `127.0.0.1:${metricsPort}` } } } } : {}),
  });
  installed = true;
}
