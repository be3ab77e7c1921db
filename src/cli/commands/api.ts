import type { Command } from 'commander';
import { serviceProcess, untilStopped } from '../service-process.js';

export function registerApi(program: Command): void {
  program
    .command('api')
    .description('run the OpenAI-compatible API alone, against an existing Temporal server (for deployments)')
    .action(async () => {
      const { config, logger } = serviceProcess();
      if (config.api.auth === 'none') logger.warn('api.auth is "none": any program on this machine can use the OpenAI-compatible API without a token');
      const [{ connectClient }, { startApiServer }] = await Promise.all([import('../../temporal/connection.js'), import('../../api/openai-api.js')]);
      const client = await connectClient(config);
      const api = await startApiServer({ client, config, logger: logger.child({ component: 'api' }) });
      logger.info({ url: `${api.url}/v1`, namespace: config.temporal.namespace }, 'api running');
      await untilStopped(async () => {
        await api.close();
        await client.connection.close();
      });
    });
}
