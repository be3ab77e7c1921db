import type { Command } from 'commander';
import { ensureStateDir, loadConfig, warnIfRepaired, warnUnknownEnv } from '../../config/load.js';
import { redactorFor } from '../../config/secrets.js';
import { createLogger } from '../../logger.js';
import { keepServingOnUncaughtErrors } from '../keep-serving.js';

export function registerApi(program: Command): void {
  program
    .command('api')
    .description('run the OpenAI-compatible API alone, against an existing Temporal server (for deployments)')
    .action(async () => {
      const config = loadConfig();
      const logger = createLogger(config.log.level, redactorFor(config));
      keepServingOnUncaughtErrors(logger);
      warnIfRepaired(ensureStateDir(config), logger);
      warnUnknownEnv(process.env, logger);
      if (config.api.auth === 'none') logger.warn('api.auth is "none": any program on this machine can use the OpenAI-compatible API without a token');
      const [{ connectClient }, { startApiServer }] = await Promise.all([import('../../temporal/connection.js'), import('../../api/openai-api.js')]);
      const client = await connectClient(config);
      const api = await startApiServer({ client, config, logger: logger.child({ component: 'api' }) });
      logger.info({ url: `${api.url}/v1`, namespace: config.temporal.namespace }, 'api running');
      await new Promise<void>((resolve) => {
        const stop = (): void =>
          void api
            .close()
            .then(() => client.connection.close())
            .then(resolve);
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
    });
}
