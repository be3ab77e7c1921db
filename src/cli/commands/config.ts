import type { Command } from 'commander';
import { cliCommand } from '../cli-command.js';
import { stringify } from 'yaml';
import { loadConfig, redactedConfig } from '../../config/load.js';
import { readRunningStack } from '../../config/running-stack.js';
import { apiToken, consoleOpenUrl, hookToken, secretFile, webUiOpenUrl } from '../../config/secrets.js';
import { printJson } from '../output.js';

export function registerConfig(program: Command): void {
  program
    .command('config')
    .description('print the effective configuration (file + environment), secrets hidden')
    .option('--json', 'print JSON (for scripts)')
    .option('--api-token', "print only the OpenAI-compatible API's bearer token (e.g. OPENAI_API_KEY=$(npx clawflow config --api-token))")
    .option('--web-ui-link', "print only the link that opens the Temporal Web UI (it carries this install's key)")
    .option('--console-link', "print only the link that opens the console (it carries this install's console key)")
    .option('--hook-token <name>', "print only the bearer token the webhook's sender sends (POST /hooks/<name>)")
    .action((options: { apiToken?: boolean; webUiLink?: boolean; consoleLink?: boolean; hookToken?: string; json?: boolean }) => {
      const config = loadConfig();
      if (options.hookToken !== undefined) {
        if (!Object.hasOwn(config.hooks, options.hookToken))
          throw new Error(
            `no hook "${options.hookToken}" (hooks: ${Object.keys(config.hooks).join(', ') || 'none; configure one under hooks in clawflow.json'})`,
          );
        const token = hookToken(config, options.hookToken);
        if (!token) throw new Error('api.auth is "none": hooks take no token');
        return void process.stdout.write(`${token}\n`);
      }
      if (options.webUiLink) return void process.stdout.write(`${webUiOpenUrl(config, readRunningStack(config.paths.home)?.webUiUrl ?? undefined)}\n`);
      if (options.consoleLink) return void process.stdout.write(`${consoleOpenUrl(config, readRunningStack(config.paths.home)?.consoleUrl ?? undefined)}\n`);
      if (options.apiToken) {
        const token = apiToken(config);
        if (!token) throw new Error('api.auth is "none": the API takes no token');
        return void process.stdout.write(`${token}\n`);
      }
      const shown = {
        ...redactedConfig(config),
        secrets: {
          apiToken:
            config.api.auth === 'none'
              ? 'none (api.auth "none")'
              : config.api.token
                ? 'api.token (hidden)'
                : `${secretFile(config.paths.home, 'api-token')} (${cliCommand()} config --api-token prints it)`,
        },
      };
      if (options.json) return printJson(shown);
      // For reading: YAML, which says the same without the braces and quotes.
      process.stdout.write(
        `# The effective configuration (${config.paths.configFile} and the environment), secrets hidden; --json for scripts.\n${stringify(shown)}`,
      );
    });
}
