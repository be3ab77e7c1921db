import type { Command } from 'commander';
import { redactorFor } from '../../config/secrets.js';
import { ensureStateDir, loadConfig, warnIfRepaired, warnUnknownEnv } from '../../config/load.js';
import { createLogger } from '../../logger.js';
import { keepServingOnUncaughtErrors } from '../keep-serving.js';

export function registerWorker(program: Command): void {
  program
    .command('worker')
    .description('run the workers alone against an existing Temporal server and agent runtime (for deployments)')
    .action(async () => {
      const config = loadConfig();
      const logger = createLogger(config.log.level, redactorFor(config));
      keepServingOnUncaughtErrors(logger);
      warnIfRepaired(ensureStateDir(config), logger);
      warnUnknownEnv(process.env, logger);
      const runtimeUrl = config.runtime.url ?? `http://127.0.0.1:${config.runtime.port}`;
      const { startWorkers } = await import('../../workers/run-workers.js');
      const workers = await startWorkers(config, runtimeUrl, logger);
      logger.info({ namespace: config.temporal.namespace, agentRuntime: config.agentcore.runtimeArn ?? runtimeUrl }, 'workers running');
      const stop = (): void => void workers.shutdown();
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
      await workers.done;
    });
}
