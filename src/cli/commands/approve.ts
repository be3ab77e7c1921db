import { userInfo } from 'node:os';
import type { Command } from 'commander';
import { loadConfig } from '../../config/load.js';
import { printJson } from '../output.js';

export function registerApprove(program: Command): void {
  program
    .command('approve')
    .description('answer a session\'s request to run a command (tools.exec.policy "ask"): allow once, always, or deny')
    .argument('<session-key>', 'the session that asks')
    .argument('<request-id>', 'the id printed with the request (also in `clawflow sessions show`)')
    .option('--always', 'allow this exact command from now on in this session')
    .option('--deny', 'do not run it')
    .option('--json', 'print the answered request as JSON')
    .action(async (keyText: string, requestId: string, options: { always?: boolean; deny?: boolean; json?: boolean }) => {
      if (options.always && options.deny) throw new Error('choose one of --always and --deny');
      const decision = options.deny ? 'deny' : options.always ? 'always' : 'once';
      const config = loadConfig();
      const { answerApproval } = await import('../../session-client/session-client.js');
      const { withClient } = await import('../../temporal/connection.js');
      const request = await withClient(config, (client) =>
        answerApproval(client, config, keyText, { requestId, decision, byAgentOwner: true, by: `cli:${userInfo().username}`, via: 'cli' }),
      );
      if (options.json) printJson({ ...request, decision });
      else process.stdout.write(`${decision === 'deny' ? 'Denied' : decision === 'always' ? 'Allowed from now on' : 'Allowed once'}: ${request.subject}\n`);
    });
}
