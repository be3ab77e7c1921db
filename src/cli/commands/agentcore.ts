import type { Command } from 'commander';
import { redactorFor } from '../../config/secrets.js';
import { loadConfig } from '../../config/load.js';
import { createLogger } from '../../logger.js';
import { keepServingOnUncaughtErrors } from '../keep-serving.js';
import { offeredModelNames } from '../../config/agents.js';

const wholeNumber =
  (what: string) =>
  (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 1) throw new Error(`expected a whole number of ${what}, got "${value}"`);
    return n;
  };
const seconds = wholeNumber('seconds');

export function registerAgentCore(program: Command): void {
  const agentcore = program.command('agentcore').description('Amazon Bedrock AgentCore Runtime: a local emulator, and deployment');

  agentcore
    .command('emulator')
    .description('run a local AgentCore data plane: one runtime process per session, idle timeout and lifetime cap enforced')
    .option('--port <port>', 'port to listen on', (v) => Number.parseInt(v, 10), 18090)
    .option('--idle-timeout <seconds>', 'terminate a session unused this long', seconds, 900)
    .option('--max-lifetime <seconds>', 'terminate a session this old', seconds, 28_800)
    .option('--max-sessions <n>', 'most runtime processes at once (the least recently used idle one makes room)', wholeNumber('sessions'), 8)
    .action(async (options: { port: number; idleTimeout: number; maxLifetime: number; maxSessions: number }) => {
      const config = loadConfig();
      const logger = createLogger(config.log.level, redactorFor(config));
      keepServingOnUncaughtErrors(logger);
      const { AgentCoreEmulator } = await import('../../agent/emulator/emulator.js');
      const emulator = await new AgentCoreEmulator({
        host: '127.0.0.1',
        port: options.port,
        idleTimeoutSeconds: options.idleTimeout,
        maxLifetimeSeconds: options.maxLifetime,
        maxSessions: options.maxSessions,
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

  agentcore
    .command('deploy')
    .description('create (or update) the AgentCore agent runtime from an ECR image, and wait until it is READY')
    .requiredOption('--image <uri>', "runtime image in ECR, built for linux/arm64 from this repository's Dockerfile")
    .requiredOption('--role-arn <arn>', 'IAM role the runtime runs as')
    .option('--name <name>', 'agent runtime name (letters, digits, underscores)', 'clawflow')
    .option('--region <region>', 'AWS region (default: AWS_REGION)')
    .option('--api-key-secret-arn <arn>', 'AWS Secrets Manager secret holding the model API key (default: model.apiKeySecretArn)')
    .option('--wait <seconds>', 'how long to wait for READY', seconds, 600)
    .action(async (options: { image: string; roleArn: string; name: string; region?: string; apiKeySecretArn?: string; wait: number }) => {
      const config = loadConfig();
      const region = options.region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION;
      if (!region) throw new Error('no AWS region: pass --region or set AWS_REGION');
      if (!/^[a-zA-Z][a-zA-Z0-9_]{0,47}$/.test(options.name))
        throw new Error(`--name "${options.name}": use a letter, then letters, digits and underscores (at most 48)`);
      const { BedrockAgentCoreControlClient } = await import('@aws-sdk/client-bedrock-agentcore-control');
      const { deployAgentRuntime, runtimeEnvironment } = await import('../../agent/agentcore/deploy.js');
      const client = new BedrockAgentCoreControlClient({ region });
      const result = await deployAgentRuntime(client, {
        name: options.name,
        imageUri: options.image,
        roleArn: options.roleArn,
        environment: runtimeEnvironment({ ...config.model, choices: offeredModelNames(config) }, options.apiKeySecretArn ?? config.model.apiKeySecretArn),
        idleTimeoutSeconds: config.agentcore.idleTimeoutSeconds,
        maxLifetimeSeconds: config.agentcore.maxLifetimeSeconds,
        waitSeconds: options.wait,
        onProgress: (m) => process.stdout.write(`… ${m}\n`),
      });
      process.stdout.write(
        [
          `✓ agent runtime ${options.name} ${result.created ? 'created' : 'updated'} (version ${result.version}) and READY`,
          '',
          'Point ClawFlow at it (config file agentcore.runtimeArn, or the environment):',
          `  CLAWFLOW_AGENTCORE_RUNTIME_ARN=${result.agentRuntimeArn}`,
          '',
        ].join('\n'),
      );
    });
}
