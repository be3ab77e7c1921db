import type { ChannelSettings } from '../manifests.js';
import type { ChannelRuntime } from '../plugin.js';
import { SignalAdapter } from './adapter.js';

export const runtime: ChannelRuntime<ChannelSettings['signal']> = {
  connect: (settings, { logger, file }) =>
    Promise.resolve({
      adapter: new SignalAdapter({
        url: settings.url,
        account: settings.account!,
        pollTimeoutSeconds: settings.pollTimeoutSeconds,
        spoolFile: file('signal-inbox.jsonl'),
        logger,
      }),
      policy: settings,
    }),
};
