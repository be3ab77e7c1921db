import type { Command } from 'commander';
import { loadConfig } from '../../config/load.js';
import { createLogger } from '../../logger.js';
import { startLocalStack } from '../../stack/local-stack.js';

export function registerStart(program: Command): void {
  program
    .command('start')
    .description('run the whole local stack: Temporal dev server, agent runtime and workers (Ctrl-C stops it)')
    .action(async () => {
      const config = loadConfig();
      const logger = createLogger(config.log.level);
      const stack = await startLocalStack(config, logger);

      const lines = [
        '',
        'ClawFlow is running.',
        `  Temporal          ${stack.temporalAddress}${config.temporal.address ? ' (TEMPORAL_ADDRESS)' : ` (SQLite: ${config.paths.temporalDb})`}`,
        ...(stack.webUiUrl ? [`  Temporal Web UI   ${stack.webUiUrl}`] : []),
        `  Agent runtime     ${stack.runtimeUrl}  (POST /invocations, GET /ping)`,
        `  Model             ${stack.modelDescription}`,
        `  State             ${config.paths.home}`,
        '',
        ...(stack.modelDescription === 'echo'
          ? ['  No model is configured: replies come from the built-in echo provider.', '  Set CLAWFLOW_MODEL_BASE_URL and CLAWFLOW_MODEL (or model.* in the config file) for real answers.', '']
          : []),
        '  Talk to it from another terminal:',
        '    npx clawflow send main:cli:me "hello"',
        '    npx clawflow sessions list',
        '',
        'Press Ctrl-C to stop.',
      ];
      process.stdout.write(`${lines.join('\n')}\n`);

      await new Promise<void>((resolve, reject) => {
        let stopping = false;
        const shutdown = (signal: string): void => {
          if (stopping) {
            process.stdout.write('Forced exit.\n');
            process.exit(130);
          }
          stopping = true;
          process.stdout.write(`\n${signal}: stopping (press Ctrl-C again to force)…\n`);
          stack.stop().then(() => {
            process.stdout.write('Stopped. Sessions are kept; `npm start` picks them up where they were.\n');
            resolve();
          }, reject);
        };
        process.on('SIGINT', () => shutdown('SIGINT'));
        process.on('SIGTERM', () => shutdown('SIGTERM'));
        stack.workersDone.catch(async (error: unknown) => {
          if (stopping) return;
          stopping = true;
          logger.error({ err: error }, 'a worker stopped with an error; stopping the stack');
          await stack.stop();
          reject(error instanceof Error ? error : new Error(String(error)));
        });
      });
    });
}
