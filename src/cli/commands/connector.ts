import type { Command } from 'commander';
import { redactorFor } from '../../config/secrets.js';
import { ensureStateDir, loadConfig, warnIfRepaired, warnUnknownEnv } from '../../config/load.js';
import { createLogger } from '../../logger.js';
import { keepServingOnUncaughtErrors } from '../keep-serving.js';

export function registerConnector(program: Command): void {
  program
    .command('connector')
    .description('run the connector worker alone: the chat channels (Telegram…) and reply delivery, against an existing Temporal server')
    .action(async () => {
      const config = loadConfig();
      const logger = createLogger(config.log.level, redactorFor(config));
      keepServingOnUncaughtErrors(logger);
      warnIfRepaired(ensureStateDir(config), logger);
      warnUnknownEnv(process.env, logger);
      const { startConnectors } = await import('../../workers/run-connectors.js');
      const connectors = await startConnectors(config, logger);
      logger.info({ channels: connectors.channels }, 'connector running');
      const stop = (): void => void connectors.shutdown();
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
      await connectors.done;
    });
}
