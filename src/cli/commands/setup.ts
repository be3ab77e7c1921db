import type { Command } from 'commander';
import { loadConfig } from '../../config/load.js';
import { printJson } from '../output.js';
import { step } from '../progress.js';

export function registerSetup(program: Command): void {
  program
    .command('setup')
    .description('prepare this machine: find the Temporal CLI, or build it with Go (once per machine)')
    .option('--json', 'print JSON')
    .action(async (options: { json?: boolean }) => {
      const { resolveTemporalCli } = await import('../../temporal/cli-binary.js');
      const config = loadConfig();
      const cli = options.json
        ? await resolveTemporalCli({ explicitPath: config.temporal.bin, cacheDir: config.paths.cacheDir, onProgress: (m) => process.stderr.write(`${m}\n`) })
        : await step('Finding the Temporal CLI', (note) => resolveTemporalCli({ explicitPath: config.temporal.bin, cacheDir: config.paths.cacheDir, onProgress: note }));
      if (options.json) return printJson(cli);
      process.stdout.write(
        cli.kind === 'binary'
          ? `Temporal CLI: ${cli.path} (${cli.source})\n`
          : `No Temporal CLI here and no Go: \`npm start\` will download the dev server into ${cli.downloadDir}\n`,
      );
    });
}
