import { directAccess, groupAllowed } from '../../connectors/inbound/inbound.js';
import type { ChannelSettings } from '../manifests.js';
import type { ChannelRuntime } from '../plugin.js';
import { MatrixAdapter } from './adapter.js';

export const runtime: ChannelRuntime<ChannelSettings['matrix']> = {
  connect: (settings, { logger, file }) =>
    Promise.resolve({
      adapter: new MatrixAdapter({
        homeserverUrl: settings.homeserverUrl!,
        // The schema asks for both with a homeserver.
        userId: settings.userId!,
        accessToken: settings.accessToken!,
        pollTimeoutSeconds: settings.pollTimeoutSeconds,
        syncFile: file('matrix-sync.json'),
        // A direct chat the access rules let the inviter have (strangers too under pairing: they get their code there);
        // a room the agent may take part in.
        mayJoin: ({ roomId, inviter, direct }) => (direct ? directAccess(settings, inviter) !== 'refused' : groupAllowed(settings, roomId)),
        logger,
      }),
      policy: settings,
    }),
};
