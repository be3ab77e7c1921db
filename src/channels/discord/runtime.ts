import type { ChannelSettings } from '../manifests.js';
import type { ChannelRuntime } from '../plugin.js';
import { DiscordAdapter } from './adapter.js';

export const runtime: ChannelRuntime<ChannelSettings['discord']> = {
  connect: (settings, { logger }) =>
    Promise.resolve({ adapter: new DiscordAdapter({ botToken: settings.botToken!, apiUrl: settings.apiUrl, logger }), policy: settings }),
};
