import type { Command } from 'commander';
import { consoleOpenUrl } from '../../config/secrets.js';
import { serviceProcess, untilStopped } from '../service-process.js';

export function registerConsole(program: Command): void {
  program
    .command('console')
    .description("serve the owner's console alone, against the configured Temporal (for deployments; `clawflow start` serves it itself)")
    .option('--port <port>', 'loopback port (default console.port)', (v) => Number.parseInt(v, 10))
    .option('--web-ui <origin>', 'the Temporal Web UI to link sessions to, e.g. http://127.0.0.1:8233')
    .action(async (options: { port?: number; webUi?: string }) => {
      const { config, logger } = serviceProcess();
      const [{ connectClient }, { startConsole }] = await Promise.all([import('../../temporal/connection.js'), import('../../console/console.js')]);
      const client = await connectClient(config);
      const page = await startConsole({
        config,
        client,
        logger: logger.child({ component: 'console' }),
        webUiOrigin: options.webUi ? new URL(options.webUi).origin : null,
        checkStack: () => import('../../stack/doctor.js').then(({ stackFindings }) => stackFindings(config)),
        ...(options.port !== undefined ? { port: options.port } : {}),
      });
      logger.info({ url: page.url }, 'console running: open the link `clawflow config --console-link` prints');
      process.stdout.write(`Console  ${consoleOpenUrl(config, page.url)}\n`);
      await untilStopped(async () => {
        await page.close();
        await client.connection.close();
      });
    });
}
