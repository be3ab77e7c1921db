import type { Command } from 'commander';
import { loadConfig } from '../../config/load.js';

export function registerStop(program: Command): void {
  program
    .command('stop')
    .description('stop the turn a session is running: its model and tool calls are cancelled (commands die); queued messages stay')
    .argument('<session-key>', 'the session')
    .action(async (keyText: string) => {
      const config = loadConfig();
      const { stopTurn } = await import('../../session-client/session-client.js');
      const { withClient } = await import('../../temporal/connection.js');
      const stopped = await withClient(config, (client) => stopTurn(client, config, keyText));
      process.stdout.write(stopped ? `Stopping the running turn of ${keyText}.\n` : `${keyText} is not running a turn; nothing to stop.\n`);
    });
}
