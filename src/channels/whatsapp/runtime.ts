import type { ChannelSettings } from '../manifests.js';
import type { ChannelContext, ChannelRuntime } from '../plugin.js';
import { WhatsAppAdapter } from './adapter.js';
import { baileysSocketFactory } from './baileys-socket.js';

/** WhatsApp's adapter: its login state and its spool under the connector's files; `onQr` when it must be linked. */
export function whatsAppAdapter(
  settings: ChannelSettings['whatsapp'],
  { logger, file }: Pick<ChannelContext, 'logger' | 'file'>,
  onQr: (qr: string) => void,
  onLinked?: () => void,
): WhatsAppAdapter {
  return new WhatsAppAdapter({
    authDir: file('whatsapp-auth'),
    spoolFile: file('whatsapp-inbox.jsonl'),
    socketFactory: baileysSocketFactory(logger, settings.webSocketUrl),
    readReceipts: settings.readReceipts,
    logger,
    onQr,
    ...(onLinked ? { onLinked } : {}),
  });
}

async function toQrSvg(qr: string): Promise<string> {
  const { toString } = await import('qrcode');
  return toString(qr, { type: 'svg', margin: 1 });
}

export const runtime: ChannelRuntime<ChannelSettings['whatsapp']> = {
  connect: (settings, context) =>
    Promise.resolve({
      adapter: whatsAppAdapter(
        settings,
        context,
        (qr) => {
          context.logger.warn(
            'WhatsApp is not linked: run `clawflow channels login whatsapp`, or scan its QR code in the console (Channels) or on the WebChat page',
          );
          void toQrSvg(qr).then((svg) => context.notices.show({ title: 'Link WhatsApp: WhatsApp → Linked devices → Link a device', svg }));
        },
        () => context.notices.show(null),
      ),
      policy: settings,
    }),

  async login(settings, context, out, timeoutMs) {
    const QRCode = await import('qrcode');
    const adapter = whatsAppAdapter(
      settings,
      context,
      (qr) =>
        void QRCode.toString(qr, { type: 'terminal', small: true }).then((art) =>
          out.write(`\nScan with WhatsApp → Linked devices → Link a device:\n${art}\n`),
        ),
    );
    // Messages that arrive while linking wait in the connector's spool: it answers them when it starts.
    await adapter.start(() => Promise.reject(new Error('only linking now: the connector answers it when it starts')));
    const deadline = Date.now() + timeoutMs;
    while (adapter.status().state !== 'connected') {
      if (adapter.status().state === 'stopped' || Date.now() > deadline) {
        await adapter.stop();
        throw new Error(`WhatsApp was not linked: ${adapter.status().detail ?? 'timed out'}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    await adapter.stop();
    return adapter.status().detail ?? 'linked';
  },
};
