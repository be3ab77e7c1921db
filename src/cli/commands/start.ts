import type { Command } from 'commander';
import { cliCommand } from '../cli-command.js';
import { loadConfig, type ClawflowConfig } from '../../config/load.js';
import { apiToken, webChatOpenUrl, redactorFor } from '../../config/secrets.js';
import { createLogger } from '../../logger.js';
import { holdHeapGrowth } from '../heap-growth.js';
import { keepServingOnUncaughtErrors } from '../keep-serving.js';
import { step, warn } from '../progress.js';

/**
 * Resolves with the first SIGINT/SIGTERM/SIGHUP, or when the process that started this one goes away (`npm start`
 * stopped by a service manager or `kill` ends npm and its shell but does not pass the signal on); a second signal
 * forces the exit. Installed before anything starts: a listener added once the workers run can miss a signal that
 * arrives right after start-up.
 */
function watchStopSignals(): Promise<string> {
  return new Promise((resolve) => {
    let received = false;
    const onSignal = (signal: string): void => {
      if (received) {
        process.stdout.write('Forced exit.\n');
        process.exit(130);
      }
      received = true;
      clearInterval(orphaned);
      resolve(signal);
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    process.on('SIGHUP', onSignal);
    // Started by a service manager (parent pid 1) there is no parent to lose.
    const parent = process.ppid;
    const orphaned = setInterval(() => {
      if (parent !== 1 && process.ppid !== parent) onSignal('the process that started ClawFlow exited');
    }, 500);
    orphaned.unref();
  });
}

function apiTokenLine(config: ClawflowConfig): string {
  const token = apiToken(config);
  if (!token) return 'none: api.auth is "none", so any program on this machine can use the API';
  return `${token}  (send "Authorization: Bearer <token>"; \`${cliCommand()} config --api-token\` prints it)`;
}

export function registerStart(program: Command): void {
  program
    .command('start')
    .description('run the whole local stack: Temporal dev server, agent runtime and workers (Ctrl-C stops it)')
    .action(async () => {
      const config = loadConfig();
      // Its output is read by a person, on a terminal or in a file: readable log lines unless CLAWFLOW_LOG_FORMAT=json.
      const logger = createLogger(config.log.level, redactorFor(config), 'clawflow', true);
      keepServingOnUncaughtErrors(logger);
      holdHeapGrowth(config.memory.heapGrowthPercent);
      // Whoever read our output may be gone (a stopped `npm start`): stopping must not fail on a closed pipe.
      process.stdout.on('error', () => undefined);
      const stopSignal = watchStopSignals();
      const { startLocalStack } = await import('../../stack/local-stack.js');
      const stack = await startLocalStack(config, logger, { step, warn });

      const lines = [
        '',
        'ClawFlow is running.',
        `  Temporal          ${stack.temporalAddress}${config.temporal.address ? ' (TEMPORAL_ADDRESS)' : ` (SQLite: ${config.paths.temporalDb})`}`,
        ...(stack.webUiUrl ? [`  Temporal Web UI   ${stack.webUiUrl}`] : []),
        `  Agent runtime     ${stack.runtimeDescription}`,
        `  Model             ${stack.modelDescription}`,
        `  Commands          ${stack.commands}`,
        ...(stack.consoleUrl ? [`  Console           ${stack.consoleUrl}`] : []),
        ...(stack.apiUrl ? [`  OpenAI API        ${stack.apiUrl}  (model "clawflow")`, `  API token         ${apiTokenLine(config)}`] : []),
        `  Channels          ${stack.channels.length ? stack.channels.join(', ') : 'none (set CLAWFLOW_TELEGRAM_BOT_TOKEN for Telegram; the WebChat is off: CLAWFLOW_WEBCHAT_ENABLED=true turns it on)'}`,
        ...(config.channels.webchat.enabled
          ? [`  WebChat           ${webChatOpenUrl(config)}  (the link carries this install's key: open it, don't share it)`]
          : []),
        `  State             ${config.paths.home}`,
        '',
        ...(stack.modelDescription === 'echo'
          ? [
              '  No model is configured: replies come from the built-in echo provider.',
              '  Set CLAWFLOW_MODEL_BASE_URL and CLAWFLOW_MODEL (or model.* in the config file) for real answers.',
              '',
            ]
          : []),
        '  Talk to it from another terminal:',
        `    ${cliCommand()} send main:cli:me "hello"`,
        `    ${cliCommand()} sessions list`,
        '',
        'Press Ctrl-C to stop.',
      ];
      process.stdout.write(`${lines.join('\n')}\n`);

      const signal = await Promise.race([
        stopSignal,
        stack.workersDone.then(
          () => null,
          (error: unknown) => error,
        ),
      ]);
      if (typeof signal !== 'string') {
        logger.error({ err: signal }, 'the workers stopped unexpectedly; stopping the stack');
        await stack.stop();
        throw signal instanceof Error ? signal : new Error('the workers stopped unexpectedly');
      }
      process.stdout.write(`\n${signal}: stopping (press Ctrl-C again to force)…\n`);
      await stack.stop();
      process.stdout.write('Stopped. Sessions are kept; `npm start` picks them up where they were.\n');
    });
}
