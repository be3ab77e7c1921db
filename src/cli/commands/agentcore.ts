import type { Command } from 'commander';
import { AgentCoreEmulator } from '../../agentcore-emulator/emulator.js';
import { loadConfig } from '../../config/load.js';
import { createLogger } from '../../logger.js';

const seconds = (value: string): number => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new Error(`expected a whole number of seconds, got "${value}"`);
  return n;
};

export function registerAgentCore(program: Command): void {
  const agentcore = program.command('agentcore').description('Amazon Bedrock AgentCore Runtime: a local emulator, and deployment');

  agentcore
    .command('emulator')
    .description('run a local AgentCore data plane: one runtime process per session, idle timeout and lifetime cap enforced')
    .option('--port <port>', 'port to listen on', (v) => Number.parseInt(v, 10), 18090)
    .option('--idle-timeout <seconds>', 'terminate a session unused this long', seconds, 900)
    .option('--max-lifetime <seconds>', 'terminate a session this old', seconds, 28_800)
    .action(async (options: { port: number; idleTimeout: number; maxLifetime: number }) => {
      const config = loadConfig();
      const logger = createLogger(config.log.level);
      const emulator = await new AgentCoreEmulator({
        host: '127.0.0.1',
        port: options.port,
        idleTimeoutSeconds: options.idleTimeout,
        maxLifetimeSeconds: options.maxLifetime,
        logger,
      }).start();
      process.stdout.write(
        [
          `AgentCore emulator on ${emulator.url} (idle timeout ${options.idleTimeout} s, lifetime ${options.maxLifetime} s).`,
          'Point ClawFlow at it:',
          `  CLAWFLOW_AGENTCORE_ENDPOINT=${emulator.url}`,
          '  CLAWFLOW_AGENTCORE_RUNTIME_ARN=arn:aws:bedrock-agentcore:us-east-1:000000000000:runtime/local',
          '  AWS_ACCESS_KEY_ID=local AWS_SECRET_ACCESS_KEY=local   (any value: the emulator does not check signatures)',
          '',
        ].join('\n'),
      );
      await new Promise<void>((resolve) => {
        const stop = (): void => void emulator.stop().then(resolve);
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
    });
}
