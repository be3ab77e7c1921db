import type { Command } from 'commander';
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
    .description('link ClawFlow to WhatsApp as a device: scan the QR code it prints with WhatsApp on your phone')
    .argument('<channel>', 'whatsapp')
    .option('--timeout <seconds>', 'give up after this long', (v) => Number.parseInt(v, 10), 180)
    .action(async (channel: string, options: { timeout: number }) => {
      if (channel !== 'whatsapp') throw new Error(`only whatsapp logs in by QR code; ${channel} uses a token in the configuration`);
      const config = loadConfig();
      const logger = createLogger(config.log.level, redactorFor(config));
      const [{ WhatsAppAdapter }, { baileysSocketFactory }, QRCode] = await Promise.all([
        import('../../connectors/whatsapp.js'),
        import('../../connectors/whatsapp-socket.js'),
        import('qrcode'),
      ]);
      const adapter = new WhatsAppAdapter({
        authDir: connectorFiles(config.paths.home).whatsappAuth,
        spoolFile: connectorFiles(config.paths.home).whatsappSpool,
        socketFactory: baileysSocketFactory(logger, config.channels.whatsapp.webSocketUrl),
        readReceipts: false,
        logger,
        onQr: (qr) => void QRCode.toString(qr, { type: 'terminal', small: true }).then((art) => process.stdout.write(`\nScan with WhatsApp → Linked devices → Link a device:\n${art}\n`)),
      });
      // Messages that arrive while linking wait in the connector's spool: it answers them when it starts.
      await adapter.start(() => Promise.reject(new Error('only linking now: the connector answers it when it starts')));
      const deadline = Date.now() + options.timeout * 1000;
      while (adapter.status().state !== 'connected') {
        if (adapter.status().state === 'stopped' || Date.now() > deadline) {
          await adapter.stop();
          throw new Error(`WhatsApp was not linked: ${adapter.status().detail ?? 'timed out'}`);
        }
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
      await adapter.stop();
      process.stdout.write(`Linked as ${adapter.status().detail}. Set channels.whatsapp.enabled to true and start ClawFlow.\n`);
    });
  channels
    .command('status')
    .description('each channel connection\'s state, as the running connector reports it')
    .option('--json', 'print JSON')
    .action(async (options: { json?: boolean }) => {
      const config = loadConfig();
      const read = readConnectorReport(config.paths.home);
      if (!read) throw new Error(`no connector has run yet: configure a channel (e.g. CLAWFLOW_TELEGRAM_BOT_TOKEN) and run \`${cliCommand()} start\` or \`${cliCommand()} connector\``);
      const { report, stale } = read;
      const rows = report.channels.map((c) => ({ ...c, state: stale && c.state !== 'stopped' ? `${c.state} (connector not reporting since ${report.updatedAt})` : c.state }));
      if (options.json) return printJson(rows);
      printTable(rows.map((r) => ({ channel: r.channel, state: r.state, detail: r.detail ?? '', 'last event': r.lastEventAt ?? '' })), 'No channel is configured.');
      if (rows.some((r) => r.channel === 'webchat')) process.stdout.write(`\nOpen the WebChat with: ${webChatOpenUrl(config)}\n`);
    });
}
