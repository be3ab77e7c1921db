import type { Command } from 'commander';
import { loadConfig } from '../../config/load.js';
import { connectorFiles } from '../../config/paths.js';
import { printJson, printTable } from '../output.js';

export function registerPairing(program: Command): void {
  const pairing = program.command('pairing').description('who may talk to the agent on channels with dmPolicy "pairing"');
  const store = async () => {
    const config = loadConfig();
    const { PairingStore } = await import('../../connectors/inbound/pairing-store.js');
    return new PairingStore(connectorFiles(config.paths.home).pairing, (message) => console.error(`warning: ${message}`));
  };

  pairing
    .command('list')
    .description('approved senders and pending codes, per channel')
    .option('--json', 'print JSON')
    .action(async (options: { json?: boolean }) => {
      const all = (await store()).list();
      if (options.json) return printJson(all);
      printTable(
        Object.entries(all).flatMap(([channel, entry]) => [
          ...entry.approved.map((sender) => ({ channel, sender, status: 'approved', code: '' })),
          ...entry.pending.map((p) => ({
            channel,
            sender: `${p.senderId}${p.senderName ? ` (${p.senderName})` : ''}`,
            status: `pending since ${p.createdAt}`,
            code: p.code,
          })),
        ]),
        'Nobody has asked to pair yet.',
      );
    });

  pairing
    .command('approve')
    .description('let in the sender who was given this code')
    .argument('<channel>', 'e.g. telegram')
    .argument('<code>', 'the code the sender received')
    .action(async (channel: string, code: string) => {
      const approved = await (await store()).approve(channel, code);
      if (!approved) throw new Error(`no pending pairing code ${code} on ${channel} (codes expire after an hour; \`clawflow pairing list\` shows them)`);
      process.stdout.write(`Approved ${approved.senderName ?? approved.senderId} (${channel} ${approved.senderId}).\n`);
    });

  pairing
    .command('reject')
    .description('refuse the sender who was given this code (their held message is dropped; they may ask again later)')
    .argument('<channel>', 'e.g. telegram')
    .argument('<code>', 'the code the sender received')
    .action(async (channel: string, code: string) => {
      const rejected = await (await store()).reject(channel, code);
      if (!rejected) throw new Error(`no pending pairing code ${code} on ${channel} (\`clawflow pairing list\` shows them)`);
      process.stdout.write(`Refused ${rejected.senderName ?? rejected.senderId} (${channel} ${rejected.senderId}).\n`);
    });
}
