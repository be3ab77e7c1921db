import type { Command } from 'commander';
import { loadConfig } from '../../config/load.js';
import { printJson } from '../output.js';
import { step } from '../progress.js';

export function registerSetup(program: Command): void {
  program
    .command('setup')
    .description("prepare this machine: find the Temporal CLI (or build it with Go) and the Temporal Web UI's files, once per machine")
    .option('--json', 'print JSON')
    .option('--web-ui-only', "only the Web UI's files (a server image that runs `clawflow web-ui`)")
    .action(async (options: { json?: boolean; webUiOnly?: boolean }) => {
      const [{ resolveTemporalCli }, { resolveWebUiAssets }] = await Promise.all([
        import('../../temporal/cli-binary.js'),
        import('../../temporal/web-ui-assets.js'),
      ]);
      const config = loadConfig();
      // With --json, progress goes to stderr and only the answer to stdout.
      const run = <T>(title: string, work: (note: (message: string) => void) => Promise<T>): Promise<T> =>
        options.json ? work((message) => process.stderr.write(`${message}\n`)) : step(title, work);
      const cli = options.webUiOnly
        ? null
        : await run('Finding the Temporal CLI', (note) =>
            resolveTemporalCli({ explicitPath: config.temporal.bin, cacheDir: config.paths.cacheDir, onProgress: note }),
          );
      const webUi = await run('Finding the Temporal Web UI', (note) =>
        resolveWebUiAssets({ explicitDir: config.temporal.uiAssetsDir, cacheDir: config.paths.cacheDir, onProgress: note }),
      );
      if (options.json) return printJson({ ...(cli ? { cli } : {}), webUi });
      if (cli) {
        process.stdout.write(
          cli.kind === 'binary'
            ? `Temporal CLI: ${cli.path} (${cli.source})\n`
            : `No Temporal CLI here and no Go: \`npm start\` will download the dev server into ${cli.downloadDir}\n`,
        );
      }
      process.stdout.write(`Temporal Web UI: ${webUi.dir} (${webUi.source})\n`);
    });
}
