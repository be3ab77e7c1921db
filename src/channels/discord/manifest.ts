import { z } from 'zod';
import { httpUrl } from '../../contracts/config-fields.js';
import { channelAccess, streaming } from '../access.js';
import type { ChannelManifest } from '../manifest.js';

const config = z
  .object({
    streaming,
    /** The bot token from the Discord developer portal. Unset: no Discord. */
    botToken: z.string().min(1).optional(),
    /** The REST API root; the gateway URL is asked from it (a local fake in tests). */
    apiUrl: httpUrl().default('https://discord.com/api'),
    ...channelAccess,
  })
  .strict()
  .prefault({});

export const discord = {
  id: 'discord',
  title: 'Discord',
  config,
  env: [
    { env: 'CLAWFLOW_DISCORD_BOT_TOKEN', key: 'botToken', kind: 'string', secret: true },
    { env: 'CLAWFLOW_DISCORD_API_URL', key: 'apiUrl', kind: 'string' },
  ],
  enabled: (settings) => Boolean(settings.botToken),
  streams: (settings) => settings.streaming === 'partial',
} satisfies ChannelManifest<typeof config>;
