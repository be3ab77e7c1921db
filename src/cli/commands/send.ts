import type { Command } from 'commander';
import { loadConfig } from '../../config/load.js';
import { printJson } from '../output.js';

export function registerSend(program: Command): void {
  program
    .command('send')
    .description('deliver a message into a session (created if needed) and print the reply')
    .argument('<session-key>', '<agent>:<channel>:<chat>, or a bare name for <agent>:cli:<name>')
    .argument('<text...>', 'the message')
    .option('--message-id <id>', 'idempotency key: sending the same id again returns the same reply')
    .option('--sender <name>', 'who is speaking')
    .option('--json', 'print the reply as JSON')
    .action(async (keyText: string, words: string[], options: { messageId?: string; sender?: string; json?: boolean }) => {
      const config = loadConfig();
      const { sendMessage } = await import('../../sessions/session-client.js');
      const { connectClient } = await import('../../temporal/connection.js');
      const client = await connectClient(config);
      try {
        const reply = await sendMessage(client, config, keyText, {
          text: words.join(' '),
          ...(options.messageId ? { messageId: options.messageId } : {}),
          ...(options.sender ? { sender: options.sender } : {}),
        });
        if (options.json) printJson(reply);
        else process.stdout.write(`${reply.text}\n`);
      } finally {
        await client.connection.close();
      }
    });
}
