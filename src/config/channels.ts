import type { ClawflowConfig } from './load.js';

/** The enabled channels whose replies show as they are written (a message edited in place): `streaming: "partial"`. */
export function streamingChannels(config: Pick<ClawflowConfig, 'channels'>): string[] {
  const { telegram, slack, discord, matrix } = config.channels;
  const on = { telegram: telegram.streaming, slack: slack.streaming, discord: discord.streaming, matrix: matrix.streaming } as const;
  return enabledChannels(config).filter((channel) => channel in on && on[channel as keyof typeof on] === 'partial');
}

/** The chat channels this configuration turns on (what `--to channel:chat` may name), in a stable order. */
export function enabledChannels(config: Pick<ClawflowConfig, 'channels'>): string[] {
  const { telegram, slack, discord, signal, matrix, whatsapp, webchat } = config.channels;
  return [
    ...(telegram.botToken ? ['telegram'] : []),
    ...(slack.botToken ? ['slack'] : []),
    ...(discord.botToken ? ['discord'] : []),
    ...(signal.account ? ['signal'] : []),
    ...(matrix.homeserverUrl ? ['matrix'] : []),
    ...(whatsapp.enabled ? ['whatsapp'] : []),
    ...(webchat.enabled ? ['webchat'] : []),
  ];
}
