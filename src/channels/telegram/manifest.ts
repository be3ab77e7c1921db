import { z } from 'zod';
import { httpUrl } from '../../contracts/config-fields.js';
import { channelAccess, streaming } from '../access.js';
import type { ChannelManifest } from '../manifest.js';

const config = z
  .object({
    streaming,
    /** From @BotFather; better in CLAWFLOW_TELEGRAM_BOT_TOKEN than in this file. Unset: no Telegram. */
    botToken: z.string().min(1).optional(),
    /** The Bot API server (a self-hosted one, or a local fake in tests). */
    apiRoot: httpUrl().default('https://api.telegram.org'),
    ...channelAccess,
    /** Long-polling wait per getUpdates call. */
    pollTimeoutSeconds: z.number().int().min(0).max(50).default(25),
  })
  .strict()
  .prefault({});

export const telegram = {
  id: 'telegram',
  title: 'Telegram',
  config,
  env: [
    { env: 'CLAWFLOW_TELEGRAM_BOT_TOKEN', key: 'botToken', kind: 'string', secret: true },
    { env: 'CLAWFLOW_TELEGRAM_API_ROOT', key: 'apiRoot', kind: 'string' },
  ],
  enabled: (settings) => Boolean(settings.botToken),
  streams: (settings) => settings.streaming === 'partial',
  // The bot token is in every request URL: .../bot123456:AAE…/sendMessage
  tokenShapes: [[/bot\d{3,}:[A-Za-z0-9_-]{10,}/g, 'bot[redacted]']],
} satisfies ChannelManifest<typeof config>;
