import type { Command } from 'commander';
import { loadConfig } from '../../config/load.js';
import { installSecret, redactorFor, secretFile } from '../../config/secrets.js';
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
      process.stdout.write(
        `New history key ${current}; the old one (${retired}) is kept to read older payloads. Restart every ClawFlow process (clawflow stop, then start) so they all use it.\n`,
      );
    });
  program
    .command('codec-server')
    .description('decodes encrypted history for a Temporal Web UI or CLI that ClawFlow does not serve (the one `clawflow start` serves decodes by itself)')
    .option('--port <port>', 'loopback port (default history.codecPort)', (v) => Number.parseInt(v, 10))
    .option(
      '--ui-origin <origin>',
      "the Web UI's origin, e.g. http://localhost:8080 (repeatable; default http://127.0.0.1:8233 and http://localhost:8233)",
      (value: string, all: string[]) => [...all, value],
      [],
    )
    .action(async (options: { port?: number; uiOrigin: string[] }) => {
      const config = loadConfig();
      if (!config.history.encrypt) throw new Error('history.encrypt is off: nothing to decode');
      const logger = createLogger(config.log.level, redactorFor(config));
      keepServingOnUncaughtErrors(logger);
      const [{ startCodecServer }, { historyCodecFor }] = await Promise.all([
        import('../../temporal/codec-server.js'),
        import('../../temporal/data-converter.js'),
      ]);
      const origins = options.uiOrigin.length ? options.uiOrigin : ['http://127.0.0.1:8233', 'http://localhost:8233'];
      const key = installSecret(config.paths.home, 'web-ui-token');
      const server = await startCodecServer({
        host: '127.0.0.1',
        port: options.port ?? config.history.codecPort,
        codec: historyCodecFor(config)!,
        key,
        allowedOrigins: origins,
        logger,
      });
      process.stdout.write(
        [
          `Codec server on ${server.url} for ${origins.join(', ')}. It wants this install's Web UI key (secrets/web-ui-token):`,
          `  a Web UI: set its codec endpoint to ${server.url}, open ${server.openUrl} once in the same browser, and turn on "Include cross-origin credentials"`,
          `  the temporal CLI: --codec-endpoint ${server.url} --codec-auth "Bearer $(cat ${secretFile(config.paths.home, 'web-ui-token')})"`,
          '',
        ].join('\n'),
      );
      await untilStopped(() => server.close());
    });
}
