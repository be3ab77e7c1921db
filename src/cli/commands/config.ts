import type { Command } from 'commander';
import { loadConfig, redactedConfig } from '../../config/load.js';
import { printJson } from '../output.js';

export function registerConfig(program: Command): void {
  program
    .command('config')
    .description('print the effective configuration (file + environment), secrets hidden')
    .option('--json', 'print JSON (the default)')
    .action(() => printJson(redactedConfig(loadConfig())));
}
