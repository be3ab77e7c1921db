import { channelManifestList } from '../channels/manifests.js';
import type { ChannelManifest } from '../channels/manifest.js';
import type { ClawflowConfig } from './load.js';

/** A channel's settings, for code that treats every channel alike. */
function settingsOf(config: Pick<ClawflowConfig, 'channels'>, channel: ChannelManifest): never {
  return config.channels[channel.id as keyof ClawflowConfig['channels']] as never;
}

/** The enabled channels whose replies show as they are written (a message edited in place): `streaming: "partial"`. */
export function streamingChannels(config: Pick<ClawflowConfig, 'channels'>): string[] {
  return channelManifestList
    .filter((channel) => channel.enabled(settingsOf(config, channel)) && channel.streams?.(settingsOf(config, channel)))
    .map((channel) => channel.id);
}

/** The chat channels this configuration turns on (what `--to channel:chat` may name), in a stable order. */
export function enabledChannels(config: Pick<ClawflowConfig, 'channels'>): string[] {
  return channelManifestList.filter((channel) => channel.enabled(settingsOf(config, channel))).map((channel) => channel.id);
}

/** The ports on this machine the enabled channels listen on, with the setting that moves each. */
export function channelPorts(
  config: Pick<ClawflowConfig, 'channels'>,
  { enabledOnly }: { enabledOnly: boolean },
): Array<{ what: string; port: number; key: string }> {
  return channelManifestList
    .filter((channel) => !enabledOnly || channel.enabled(settingsOf(config, channel)))
    .flatMap((channel) => (channel.ports?.(settingsOf(config, channel)) ?? []).map((p) => ({ ...p, key: `channels.${channel.id}.${p.key}` })));
}
