import { z } from 'zod';
import { channelAccess } from '../access.js';
import type { ChannelManifest } from '../manifest.js';

const config = z
  .object({
    /** Link ClawFlow as a device of your WhatsApp account (`clawflow channels login whatsapp` first). */
    enabled: z.boolean().default(false),
    ...channelAccess,
    /** Phone numbers (digits only, with country code) always allowed. */
    allowFrom: z.array(z.string().regex(/^\d{5,20}$/, 'a phone number: digits only, with the country code')).default([]),
    /** Mark messages read once handed to the agent. */
    readReceipts: z.boolean().default(false),
    /**
     * WhatsApp's chat server (Baileys' default, wss://web.whatsapp.com/ws/chat): another for a relay, or a test server
     * on this machine. Plain ws:// only to a loopback address: the TLS of wss:// is what keeps the connection WhatsApp's.
     */
    webSocketUrl: z
      .url({ protocol: /^wss?$/, error: 'must be a ws(s) URL' })
      .refine((url) => url.startsWith('wss:') || ['127.0.0.1', 'localhost', '[::1]'].includes(new URL(url).hostname), {
        message: 'a ws:// URL must be on this machine (127.0.0.1): use wss:// elsewhere',
      })
      .optional(),
  })
  .strict()
  .prefault({});

export const whatsapp = {
  id: 'whatsapp',
  title: 'WhatsApp',
  config,
  env: [],
  enabled: (settings) => settings.enabled,
} satisfies ChannelManifest<typeof config>;
