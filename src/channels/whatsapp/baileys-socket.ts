import type { Logger } from '../../logger.js';
import { quietLibsignal } from './libsignal-console.js';
import type { WhatsAppSocket, WhatsAppSocketFactory } from './adapter.js';

/** Real WhatsApp: a Baileys socket linked as a device of the user's phone. */
export function baileysSocketFactory(logger: Logger, webSocketUrl?: string): WhatsAppSocketFactory {
  quietLibsignal(logger);
  return async (auth) => {
    const { default: makeWASocket, Browsers } = await import('baileys');
    const socket = makeWASocket({
      auth,
      browser: Browsers.ubuntu('ClawFlow'),
      logger: logger.child({ component: 'baileys' }, { level: 'warn' }) as never,
      markOnlineOnConnect: false,
      syncFullHistory: false,
      ...(webSocketUrl ? { waWebSocketUrl: webSocketUrl } : {}),
    });
    return socket as unknown as WhatsAppSocket;
  };
}
