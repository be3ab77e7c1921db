import type { Command } from 'commander';
import { loadConfig } from '../../config/load.js';
import { createLogger } from '../../logger.js';
import { providerFromConfig } from '../../runtime/providers/index.js';
import { startRuntime } from '../../runtime/server.js';

export function registerRuntime(program: Command): void {
  program
    .command('runtime')
    .description('run the agent runtime alone (the AgentCore container contract: POST /invocations, GET /ping)')
    .option('--port <port>', 'port to listen on (default: runtime.port)', (v) => Number.parseInt(v, 10))
    .option('--host <host>', 'address to bind (0.0.0.0 in a container)', '127.0.0.1')
    .action(async (options: { port?: number; host: string }) => {
      const config = loadConfig();
      const logger = createLogger(config.log.level);
      const provider = providerFromConfig(config.model);
      const runtime = await startRuntime({ host: options.host, port: options.port ?? config.runtime.port, provider, logger });
      logger.info({ url: runtime.url, provider: provider.name, model: provider.model }, 'agent runtime listening');
      await new Promise<void>((resolve) => {
        const stop = (): void => void runtime.close().then(resolve);
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
    });
}
