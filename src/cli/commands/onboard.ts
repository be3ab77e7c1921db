import { InvalidArgumentError, type Command } from 'commander';
import type { ChannelManifest } from '../../channels/manifest.js';
import type { ChannelId } from '../../channels/manifests.js';
import type { ChannelRuntime } from '../../channels/plugin.js';
import { builtInModel, builtInModelNote } from '../../agent/providers/built-in.js';
import type { RawObject } from '../../config/config-file-text.js';
import { changedConfigFile, loadConfig, updateConfigFile } from '../../config/load.js';
import { readRunningStack } from '../../config/running-stack.js';
import { parseDuration } from '../../schedules/job-spec.js';
import { configWritten } from '../config-written.js';
import { Prompter } from '../prompt.js';

const providers = ['openai-compatible', 'anthropic', 'bedrock'] as const;
const channelChoices = ['webchat', 'telegram', 'none'] as const;
const execPolicies = ['ask', 'allowlist', 'full', 'deny'] as const;

interface OnboardOptions {
  nonInteractive?: boolean;
  modelProvider?: (typeof providers)[number];
  modelBaseUrl?: string;
  model?: string;
  modelApiKey?: string;
  channel?: (typeof channelChoices)[number];
  telegramToken?: string;
  telegramApiRoot?: string;
  execPolicy?: (typeof execPolicies)[number];
  heartbeat?: string;
}

const oneOf =
  <T extends string>(choices: readonly T[]) =>
  (value: string): T => {
    if (!(choices as readonly string[]).includes(value)) throw new InvalidArgumentError(`choose one of: ${choices.join(', ')}`);
    return value as T;
  };

/** Sets `value` at `path` in the raw configuration, making the objects on the way. */
function setPath(raw: RawObject, path: string[], value: unknown): void {
  let node = raw;
  for (const key of path.slice(0, -1)) {
    const next = node[key];
    node = (node[key] = next && typeof next === 'object' && !Array.isArray(next) ? next : {}) as RawObject;
  }
  node[path.at(-1)!] = value;
}

function getPath(raw: RawObject, path: string[]): unknown {
  let node: unknown = raw;
  for (const key of path) node = node && typeof node === 'object' ? (node as RawObject)[key] : undefined;
  return node;
}

const say = (text: string): void => void process.stdout.write(`${text}\n`);

export function registerOnboard(program: Command): void {
  program
    .command('onboard')
    .description(
      'set ClawFlow up: the model, a first channel, what commands may run, the heartbeat — each checked live, written into clawflow.json, its comments kept',
    )
    .option('--non-interactive', 'ask nothing: what a flag does not set stays as it is (for scripts)')
    .option('--model-provider <name>', `the model API (${providers.join(', ')})`, oneOf(providers))
    .option('--model-base-url <url>', 'the model endpoint, e.g. https://api.openai.com/v1 or http://127.0.0.1:11434/v1 (Ollama)')
    .option('--model <name>', 'the model name, e.g. gpt-4o-mini')
    .option('--model-api-key <key>', 'the model API key (kept in clawflow.json, readable by you alone)')
    .option('--channel <name>', `a first channel (${channelChoices.join(', ')}; none leaves the channels as they are)`, oneOf(channelChoices))
    .option('--telegram-token <token>', 'the bot token @BotFather gave you')
    .option('--telegram-api-root <url>', "a self-hosted Bot API server (default: Telegram's)")
    .option('--exec-policy <policy>', `what commands the agent may run (${execPolicies.join(', ')})`, oneOf(execPolicies))
    .option('--heartbeat <every|off>', "the agent's periodic check-in, e.g. 30m (set on the running stack), or off")
    .action(async (options: OnboardOptions) => {
      const current = loadConfig();
      const prompter = options.nonInteractive ? null : new Prompter();
      const answers: Array<[string[], unknown]> = [];
      const currentRaw = changedConfigFile(process.env, () => undefined).raw;
      const existing = (path: string[]): string | undefined => {
        const value = getPath(currentRaw, path);
        return typeof value === 'string' ? value : undefined;
      };
      try {
        say(prompter ? `Setting up ClawFlow in ${current.paths.home} (Enter keeps the value in brackets).\n` : `Setting up ClawFlow in ${current.paths.home}.`);

        // 1. The model, asked for one word before anything is written.
        const provider = options.modelProvider ?? (prompter ? await prompter.choose('Model API', providers, current.model.provider) : undefined);
        const baseUrl =
          options.modelBaseUrl ??
          (prompter && provider !== 'bedrock'
            ? await prompter.ask(
                'Model endpoint',
                current.model.baseUrl ?? (provider === 'anthropic' ? 'https://api.anthropic.com' : 'https://api.openai.com/v1'),
              )
            : undefined);
        const name =
          options.model ??
          (prompter ? await prompter.ask('Model name', current.model.name ?? (provider === 'anthropic' ? 'claude-sonnet-4-5' : 'gpt-4o-mini')) : undefined);
        const apiKey =
          options.modelApiKey ??
          (prompter && provider !== 'bedrock'
            ? await prompter.secret('Model API key (empty for none, e.g. Ollama)', existing(['model', 'apiKey']))
            : undefined);
        if (provider) answers.push([['model', 'provider'], provider]);
        if (baseUrl) answers.push([['model', 'baseUrl'], baseUrl]);
        if (name) answers.push([['model', 'name'], name]);
        if (apiKey) answers.push([['model', 'apiKey'], apiKey]);

        // 2. A first channel.
        const channel =
          options.channel ??
          (options.telegramToken
            ? 'telegram'
            : prompter
              ? await prompter.choose('A first channel — none: leave the channels as they are', channelChoices, 'webchat')
              : undefined);
        if (channel === 'telegram') {
          const token =
            options.telegramToken ??
            (prompter ? await prompter.secret('Telegram bot token (from @BotFather)', existing(['channels', 'telegram', 'botToken'])) : undefined);
          if (!token) throw new Error('a Telegram channel needs the bot token: --telegram-token (make one with @BotFather: /newbot)');
          answers.push([['channels', 'telegram', 'botToken'], token]);
          if (options.telegramApiRoot) answers.push([['channels', 'telegram', 'apiRoot'], options.telegramApiRoot]);
        }
        if (channel === 'webchat') answers.push([['channels', 'webchat', 'enabled'], true]);

        // 3. What commands may run, 4. the heartbeat.
        const policy =
          options.execPolicy ?? (prompter ? await prompter.choose('Commands the agent may run', execPolicies, current.tools.exec.policy) : undefined);
        if (policy) answers.push([['tools', 'exec', 'policy'], policy]);
        const heartbeat = options.heartbeat ?? (prompter ? await prompter.ask('Heartbeat: check in every (e.g. 30m), or off', 'off') : undefined);
        if (heartbeat && heartbeat !== 'off') parseDuration(heartbeat);

        const change = (raw: RawObject): void => {
          for (const [path, value] of answers) setPath(raw, path, value);
        };
        const { parsed } = changedConfigFile(process.env, change);

        // Live checks, before anything is written.
        const [{ checkModel }, { channelRuntimes }, { channelManifests }] = await Promise.all([
          import('../../stack/onboard-checks.js'),
          import('../../channels/runtimes.js'),
          import('../../channels/manifests.js'),
        ]);
        let failed = false;
        const report = (what: string, result: { ok: boolean; detail: string }): void => {
          say(`${result.ok ? '✓' : '✗'} ${what}: ${result.detail}`);
          failed ||= !result.ok;
        };
        const builtIn = builtInModel(parsed.model);
        if (builtIn) say(`- Model: ${builtInModelNote[builtIn]}${builtIn === 'echo' ? ' until you set one' : ''}.`);
        else report('Model', await checkModel(parsed.model));
        // Each channel whose settings were just given, and that is on with them, is asked whether they work.
        for (const id of new Set(answers.filter(([path]) => path[0] === 'channels').map(([path]) => path[1] as ChannelId))) {
          const runtime = (await channelRuntimes[id]()) as ChannelRuntime<unknown>;
          const manifest = channelManifests[id] as ChannelManifest;
          if (runtime.check && manifest.enabled(parsed.channels[id] as never)) report(manifest.title, await runtime.check(parsed.channels[id]));
        }
        if (failed) throw new Error('nothing was written: fix what failed above and run clawflow onboard again');

        say(`✓ ${configWritten(await updateConfigFile(process.env, change))}`);
        if (parsed.channels.webchat.enabled) say('- WebChat: `npm start` prints the link that opens it.');
        if (parsed.channels.telegram.botToken)
          say('- Telegram: message your bot; you are asked to pair — `clawflow pairing approve telegram <code>` lets you in.');
        say(`- Commands: ${parsed.tools.exec.policy}${parsed.tools.exec.policy === 'ask' ? ' (each new command waits for your approval)' : ''}.`);

        // The heartbeat is a Temporal Schedule: set (or turned off) on the running stack, or later by the command printed.
        if (heartbeat === 'off') {
          const off = await heartbeatOff().catch((error: Error) => error);
          if (off instanceof Error) say(`- Heartbeat: not changed now (${off.message.split('\n')[0]}); after \`npm start\`, run: clawflow heartbeat off`);
          else say(`✓ Heartbeat: ${off ? 'turned off' : 'off'}`);
        } else if (heartbeat) {
          const set = await setHeartbeat(heartbeat).catch((error: Error) => error);
          if (set instanceof Error)
            say(`- Heartbeat: not set now (${set.message.split('\n')[0]}); after \`npm start\`, run: clawflow heartbeat set --every ${heartbeat}`);
          else say(`✓ Heartbeat: ${set}`);
        }
        // A stack already running read its configuration when it started: the new one needs a restart.
        const running = readRunningStack(current.paths.home);
        say(
          running
            ? `\nClawFlow is running (process ${running.pid}) with the old settings: restart it (Ctrl-C where it runs, then npm start) to use these.`
            : '\nNext: npm start (or clawflow start), then say hello.',
        );
      } finally {
        prompter?.close();
      }
    });
}

/** Turns the running stack's heartbeat off; false when it was off already. */
async function heartbeatOff(): Promise<boolean> {
  const { withSchedules } = await import('./with-schedules.js');
  return withSchedules((s) => s.heartbeatOff());
}

async function setHeartbeat(every: string): Promise<string> {
  const { withSchedules } = await import('./with-schedules.js');
  const job = await withSchedules((s) => s.setHeartbeat({ every }));
  return `${job.note}; next ${job.nextRuns[0] ?? '-'}`;
}
