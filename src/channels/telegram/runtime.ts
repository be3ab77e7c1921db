import type { ChannelSettings } from '../manifests.js';
import type { ChannelRuntime } from '../plugin.js';
import { TelegramAdapter } from './adapter.js';
import { checkTelegram } from './check.js';

export const runtime: ChannelRuntime<ChannelSettings['telegram']> = {
  connect: (settings, { logger }) =>
    Promise.resolve({
      adapter: new TelegramAdapter({ botToken: settings.botToken!, apiRoot: settings.apiRoot, pollTimeoutSeconds: settings.pollTimeoutSeconds, logger }),
      policy: settings,
    }),
  check: (settings) => checkTelegram(settings.botToken!, settings.apiRoot),
};
