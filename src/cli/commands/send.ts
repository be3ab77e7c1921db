import type { Command } from 'commander';
import { requireAgent } from '../../config/agents.js';
import { loadConfig } from '../../config/load.js';
import { approvalText } from '../approval-text.js';
import { printJson } from '../output.js';

export function registerSend(program: Command): void {
  program
    .command('send')
    .description('deliver a message into a session (created if needed) and print the reply')
    .argument('<session-key>', '<agent>:<channel>:<chat>, or a bare name for <agent>:cli:<name>')
    .argument('<text...>', 'the message')
    .option('--message-id <id>', 'idempotency key: sending the same id again returns the same reply')
    .option('--sender <name>', 'who is speaking')
    .option('--agent <id>', 'the agent a bare name belongs to (default: the default agent)')
    .option('--json', 'print the reply as JSON')
    .action(async (keyText: string, words: string[], options: { messageId?: string; sender?: string; agent?: string; json?: boolean }) => {
      const config = loadConfig();
      // A bare name under another agent: <agent>:cli:<name> (one this install has).
      if (options.agent) requireAgent(config, options.agent);
      if (options.agent && !keyText.includes(':')) keyText = `${options.agent}:cli:${keyText}`;
      const { pendingApprovals, sendMessage } = await import('../../session-client/session-client.js');
      const { withClient } = await import('../../temporal/connection.js');
      const reply = await withClient(config, async (client) => {
        // While the turn runs, show any command the agent wants to run and how to answer (no chat channel here).
        const shown = new Set<string>();
        const watch = setInterval(() => {
          pendingApprovals(client, config, keyText).then(
            (requests) => {
              for (const r of requests.filter((r) => !shown.has(r.requestId))) {
                shown.add(r.requestId);
                process.stderr.write(approvalText(keyText, r));
              }
            },
            () => undefined,
          );
        }, 1000);
        try {
          return await sendMessage(client, config, keyText, {
            text: words.join(' '),
            // Whoever runs the CLI on this machine owns its sessions, and the agent.
            fromOwner: true,
            fromAgentOwner: true,
            ...(options.messageId ? { messageId: options.messageId } : {}),
            ...(options.sender ? { sender: options.sender } : {}),
          });
        } finally {
          clearInterval(watch);
        }
      });
      if (options.json) printJson(reply);
      else process.stdout.write(`${reply.text}\n`);
    });
}
