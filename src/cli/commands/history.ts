import type { Command } from 'commander';
import { loadConfig } from '../../config/load.js';
import { redactorFor } from '../../config/secrets.js';
import { createLogger } from '../../logger.js';
import { keepServingOnUncaughtErrors } from '../keep-serving.js';
import { untilStopped } from '../service-process.js';

export function registerHistory(program: Command): void {
  const history = program.command('history').description('what ClawFlow writes to Temporal: encrypted (history.encrypt, on by default)');
  history
    .command('rotate-key')
    .description('seal new payloads with a new key; the current one is kept in secrets/history-keys/ to open what it sealed (restart ClawFlow after)')
    .action(async () => {
      const config = loadConfig();
      const { rotateHistoryKey } = await import('../../temporal/data-converter.js');
      const { retired, current } = rotateHistoryKey(config.paths.home);
      process.stdout.write(`New history key ${current}; the old one (${retired}) is kept to read older payloads. Restart every ClawFlow process (clawflow stop, then start) so they all use it.\n`);
    });
  program
    .command('codec-server')
    .description('decodes encrypted history for a Temporal Web UI that `clawflow start` did not start (point its codec endpoint here)')
    .option('--port <port>', 'loopback port (default history.codecPort)', (v) => Number.parseInt(v, 10))
    .option('--ui-origin <origin>', 'the Web UI\'s origin, e.g. http://localhost:8233 (repeatable)', (value: string, all: string[]) => [...all, value], [])
    .action(async (options: { port?: number; uiOrigin: string[] }) => {
      const config = loadConfig();
      if (!config.history.encrypt) throw new Error('history.encrypt is off: nothing to decode');
      const logger = createLogger(config.log.level, redactorFor(config));
      keepServingOnUncaughtErrors(logger);
      const [{ devServerUiOrigins, startCodecServer }, { historyCodecFor }] = await Promise.all([import('../../temporal/codec-server.js'), import('../../temporal/data-converter.js')]);
      const origins = options.uiOrigin.length ? options.uiOrigin : devServerUiOrigins(config.temporal.uiPort);
      const server = await startCodecServer({ host: '127.0.0.1', port: options.port ?? config.history.codecPort, codec: historyCodecFor(config)!, allowedOrigins: origins, logger });
      process.stdout.write(`Codec server on ${server.url} for ${origins.join(', ')}: in the Web UI, set the codec endpoint to ${server.url}.\n`);
      await untilStopped(() => server.close());
    });
}
