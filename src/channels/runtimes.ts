import type { ChannelId, ChannelSettings } from './manifests.js';
import type { ChannelRuntime } from './plugin.js';

/**
 * How the connector runs each channel, loaded only when the channel is on (discord.js, Baileys and Bolt together took
 * a second of every start): a new channel is a folder, a line here and one in manifests.ts.
 */
export const channelRuntimes: { [Id in ChannelId]: () => Promise<ChannelRuntime<ChannelSettings[Id]>> } = {
  telegram: async () => (await import('./telegram/runtime.js')).runtime,
  slack: async () => (await import('./slack/runtime.js')).runtime,
  discord: async () => (await import('./discord/runtime.js')).runtime,
  signal: async () => (await import('./signal/runtime.js')).runtime,
  matrix: async () => (await import('./matrix/runtime.js')).runtime,
  whatsapp: async () => (await import('./whatsapp/runtime.js')).runtime,
  webchat: async () => (await import('./webchat/runtime.js')).runtime,
};
