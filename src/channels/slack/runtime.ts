import type { ChannelSettings } from '../manifests.js';
import type { ChannelRuntime } from '../plugin.js';
import { SlackAdapter } from './adapter.js';

export const runtime: ChannelRuntime<ChannelSettings['slack']> = {
  connect: (settings, { logger }) =>
    Promise.resolve({
      adapter: new SlackAdapter({
        botToken: settings.botToken!,
        mode: settings.mode,
        ...(settings.appToken ? { appToken: settings.appToken } : {}),
        ...(settings.signingSecret ? { signingSecret: settings.signingSecret } : {}),
        httpPort: settings.httpPort,
        apiUrl: settings.apiUrl,
        logger,
      }),
      policy: settings,
    }),
};
