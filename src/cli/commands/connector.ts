import type { Command } from 'commander';
import { serviceProcess } from '../service-process.js';

export function registerConnector(program: Command): void {
  program
    .command('connector')
    .description('run the connector worker alone: the chat channels (Telegram…) and reply delivery, against an existing Temporal server')
    .action(async () => {
      const { config, logger } = serviceProcess();
      const { startConnectors } = await import('../../workers/run-connectors.js');
      const connectors = await startConnectors(config, logger);
      logger.info({ channels: connectors.channels }, 'connector running');
      const stop = (): void => void connectors.shutdown();
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
      await connectors.done;
    });
}
