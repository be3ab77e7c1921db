import { ensureStateDir, loadConfig, warnIfRepaired, warnUnknownEnv, type ClawflowConfig } from '../config/load.js';
import { redactorFor } from '../config/secrets.js';
import { createLogger, type Logger } from '../logger.js';
import { holdHeapGrowth } from './heap-growth.js';
import { keepServingOnUncaughtErrors } from './keep-serving.js';

/**
 * What every command that runs one part of a deployment (worker, connector, api) does first: the configuration, a
 * logger that hides its secrets, the net under uncaught errors, the heap held near what it holds live, the state dir
 * made private, unknown variables named.
 */
export function serviceProcess(): { config: ClawflowConfig; logger: Logger } {
  const config = loadConfig();
  const logger = createLogger(config.log.level, redactorFor(config));
  keepServingOnUncaughtErrors(logger);
  holdHeapGrowth(config.memory.heapGrowthPercent);
  warnIfRepaired(ensureStateDir(config), logger);
  warnUnknownEnv(process.env, logger);
  return { config, logger };
}

/** Resolves once SIGINT or SIGTERM came and `stop` has finished. */
export function untilStopped(stop: () => Promise<void>): Promise<void> {
  return new Promise((resolve) => {
    const onSignal = (): void => void stop().then(resolve, resolve);
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
  });
}
