import { join } from 'node:path';
import type { Command } from 'commander';
import type { ChannelId } from '../../channels/manifests.js';
import type { ChannelRuntime } from '../../channels/plugin.js';
import { channelRuntimes } from '../../channels/runtimes.js';
import { cliCommand } from '../cli-command.js';
import { loadConfig } from '../../config/load.js';
import { connectorFiles } from '../../config/paths.js';
import { webChatOpenUrl, redactorFor } from '../../config/secrets.js';
import { createLogger } from '../../logger.js';
import { printJson, printTable } from '../output.js';
import { readConnectorReport } from '../../connectors/connector-report.js';

export function registerChannels(program: Command): void {
  const channels = program.command('channels').description('chat channels');
  channels
    .command('login')
    .description('link ClawFlow to a channel that is not linked by a token (WhatsApp: scan the QR code it prints with WhatsApp on your phone)')
    .argument('<channel>', 'whatsapp')
    .option('--timeout <seconds>', 'give up after this long', (v) => Number.parseInt(v, 10), 180)
    .action(async (channel: string, options: { timeout: number }) => {
      const runtime = Object.hasOwn(channelRuntimes, channel) ? ((await channelRuntimes[channel as ChannelId]()) as ChannelRuntime<unknown>) : null;
      if (!runtime?.login)
        throw new Error(
          `${channel} is not linked this way: ${runtime ? 'its settings in the configuration are all it needs' : `there is no such channel (${Object.keys(channelRuntimes).join(', ')})`}`,
        );
      const config = loadConfig();
      const logger = createLogger(config.log.level, redactorFor(config));
      const dir = connectorFiles(config.paths.home).dir;
      const linkedAs = await runtime.login(
        config.channels[channel as ChannelId],
        { logger, file: (name) => join(dir, name) },
        process.stdout,
        options.timeout * 1000,
      );
      process.stdout.write(`Linked as ${linkedAs}. Set channels.${channel}.enabled to true and start ClawFlow.\n`);
    });
  channels
    .command('status')
    .description("each channel connection's state, as the running connector reports it")
    .option('--json', 'print JSON')
    .action(async (options: { json?: boolean }) => {
      const config = loadConfig();
      const read = readConnectorReport(config.paths.home);
      if (!read)
        throw new Error(
          `no connector has run yet: configure a channel (e.g. CLAWFLOW_TELEGRAM_BOT_TOKEN) and run \`${cliCommand()} start\` or \`${cliCommand()} connector\``,
        );
      const { report, stale } = read;
      const rows = report.channels.map((c) => ({
        ...c,
        state: stale && c.state !== 'stopped' ? `${c.state} (connector not reporting since ${report.updatedAt})` : c.state,
      }));
      if (options.json) return printJson(rows);
      printTable(
        rows.map((r) => ({ channel: r.channel, state: r.state, detail: r.detail ?? '', 'last event': r.lastEventAt ?? '' })),
        'No channel is configured.',
      );
      if (rows.some((r) => r.channel === 'webchat')) process.stdout.write(`\nOpen the WebChat with: ${webChatOpenUrl(config)}\n`);
    });
}
