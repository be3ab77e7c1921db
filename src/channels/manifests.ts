import type { z } from 'zod';
import { discord } from './discord/manifest.js';
import type { ChannelManifest } from './manifest.js';
import { matrix } from './matrix/manifest.js';
import { signal } from './signal/manifest.js';
import { slack } from './slack/manifest.js';
import { telegram } from './telegram/manifest.js';
import { webchat } from './webchat/manifest.js';
import { whatsapp } from './whatsapp/manifest.js';

/** Every channel, by id, in the order they are listed and started: a new channel is a folder and a line here. */
export const channelManifests = { telegram, slack, discord, signal, matrix, whatsapp, webchat } as const;

export type ChannelId = keyof typeof channelManifests;

/** Each channel's settings, as `channels.<id>` holds them. */
export type ChannelSettings = { [Id in ChannelId]: z.output<(typeof channelManifests)[Id]['config']> };

/** The manifests as a list, typed for code that treats every channel alike. */
export const channelManifestList = Object.values(channelManifests) as ReadonlyArray<ChannelManifest>;

/** Each channel's `channels.<id>` schema, for the configuration's. */
export const channelConfigShape = Object.fromEntries(Object.entries(channelManifests).map(([id, manifest]) => [id, manifest.config])) as {
  [Id in ChannelId]: (typeof channelManifests)[Id]['config'];
};
