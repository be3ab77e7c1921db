import type { Command } from 'commander';
import { installSecret } from '../../config/secrets.js';
import { serviceProcess, untilStopped } from '../service-process.js';

export function registerWebUi(program: Command): void {
  program
    .command('web-ui')
    .description(
      "serve the Temporal Web UI behind ClawFlow's guard for a Temporal server of your own (for deployments; `clawflow start` serves it for its dev server)",
    )
    .option('--temporal-http <url>', "the Temporal server's HTTP API", 'http://127.0.0.1:7243')
    .option('--host-header <name>', 'the one Host name that API answers (its frontend.httpAllowedHosts)', 'clawflow-temporal-http')
    .option('--port <port>', 'loopback port (default temporal.uiPort)', (v) => Number.parseInt(v, 10))
    .action(async (options: { temporalHttp: string; hostHeader: string; port?: number }) => {
      const { config, logger } = serviceProcess();
      const [{ resolveWebUiAssets }, { startWebUi }, { historyCodecFor }] = await Promise.all([
        import('../../temporal/web-ui-assets.js'),
        import('../../temporal/web-ui.js'),
        import('../../temporal/data-converter.js'),
      ]);
      const assets = await resolveWebUiAssets({
        explicitDir: config.temporal.uiAssetsDir,
        cacheDir: config.paths.cacheDir,
        onProgress: (message) => logger.info(message),
      });
      const ui = await startWebUi({
        host: '127.0.0.1',
        port: options.port ?? config.temporal.uiPort,
        assetsDir: assets.dir,
        temporalHttp: { url: options.temporalHttp, hostHeader: options.hostHeader },
        namespace: config.temporal.namespace,
        codec: historyCodecFor(config),
        key: installSecret(config.paths.home, 'web-ui-token'),
        logger: logger.child({ component: 'web-ui' }),
      });
      logger.info({ url: ui.url, temporalHttp: options.temporalHttp }, 'Temporal Web UI running: open the link `clawflow config --web-ui-link` prints');
      await untilStopped(() => ui.close());
    });
}
