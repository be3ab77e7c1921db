import { agentForMessage } from '../../config/agents.js';
import { sessionKey } from '../../contracts/session-key.js';
import { everyoneOwns } from '../../connectors/inbound/inbound.js';
import { describeSession, pendingApprovals } from '../../session-client/session-client.js';
import type { ChannelSettings } from '../manifests.js';
import type { ChannelRuntime } from '../plugin.js';
import { WebChatAdapter } from './adapter.js';

export const runtime: ChannelRuntime<ChannelSettings['webchat']> = {
  connect: (settings, { config, client, logger, secret, notices }) => {
    const sessionOf = (chat: string): string =>
      sessionKey(agentForMessage(config, { channel: 'webchat', account: 'local', chatType: 'direct', peerId: chat }), 'webchat', chat);
    const adapter = new WebChatAdapter({
      // Localhost only: whoever can open the page is the machine's user.
      host: '127.0.0.1',
      port: settings.port,
      secret: secret('webchat-token'),
      internalToken: secret('internal-token'),
      allowedOrigins: settings.allowedOrigins,
      allowedHosts: settings.allowedHosts,
      logger,
      conversation: async (chat) => {
        const view = await describeSession(client, config, sessionOf(chat), { storedIfUnreachable: true });
        // The session knows a message by `webchat:<chat>:<the page's id>` (Inbound's form); the page by its own id.
        const ours = `webchat:${chat}:`;
        const unanswered = (view?.status?.unanswered ?? [])
          .filter((m) => m.messageId.startsWith(ours))
          .map((m) => ({ id: m.messageId.slice(ours.length), text: m.text }));
        return { entries: view?.transcript ?? [], unanswered, approvals: view?.status?.pendingApprovals ?? [] };
      },
      approvals: (chat) => pendingApprovals(client, config, sessionOf(chat)),
      maxUploadBytes: config.media.maxBytes,
    });
    // What another channel needs the owner to see (WhatsApp's QR code) shows on the page.
    notices.listen((notice) => adapter.showNotice(notice));
    // Only the browser that opened the key-bearing link reaches the WebChat: whoever it is, it is the owner.
    return Promise.resolve({
      adapter,
      ownerOnly: true,
      policy: {
        dmPolicy: 'open',
        allowFrom: [],
        owners: [everyoneOwns],
        dmScope: 'per-peer',
        groupPolicy: 'disabled',
        groups: [],
        groupAllowFrom: [],
        requireMention: false,
      },
    });
  },
};
