import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { loadConfig } from '../../config/load.js';
import { printJson, printTable } from '../output.js';

export function registerChannels(program: Command): void {
  program
    .command('channels')
    .description('chat channels')
    .command('status')
    .description('each channel connection\'s state, as the running connector reports it')
    .option('--json', 'print JSON')
    .action(async (options: { json?: boolean }) => {
      const config = loadConfig();
      const { connectorFiles } = await import('../../workers/run-connectors.js');
      let report: { pid: number; updatedAt: string; channels: Array<{ channel: string; state: string; detail?: string; lastEventAt?: string }> };
      try {
        report = JSON.parse(readFileSync(connectorFiles(config).status, 'utf8')) as typeof report;
      } catch {
        throw new Error('no connector has run yet: configure a channel (e.g. CLAWFLOW_TELEGRAM_BOT_TOKEN) and run `npx clawflow start` or `npx clawflow connector`');
      }
      const stale = Date.now() - Date.parse(report.updatedAt) > 10_000;
      const rows = report.channels.map((c) => ({ ...c, state: stale && c.state !== 'stopped' ? `${c.state} (connector not reporting since ${report.updatedAt})` : c.state }));
      if (options.json) return printJson(rows);
      printTable(rows.map((r) => ({ channel: r.channel, state: r.state, detail: r.detail ?? '', 'last event': r.lastEventAt ?? '' })), 'No channel is configured.');
    });
}
