import type { ClawflowConfig } from './load.js';

/** The chat channels this configuration turns on (what `--to channel:chat` may name), in a stable order. */
export function enabledChannels(config: Pick<ClawflowConfig, 'channels'>): string[] {
  const { telegram, slack, discord, whatsapp, webchat } = config.channels;
  return [
    ...(telegram.botToken ? ['telegram'] : []),
    ...(slack.botToken ? ['slack'] : []),
    ...(discord.botToken ? ['discord'] : []),
    ...(whatsapp.enabled ? ['whatsapp'] : []),
    ...(webchat.enabled ? ['webchat'] : []),
  ];
}
