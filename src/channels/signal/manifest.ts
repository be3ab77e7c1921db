import { z } from 'zod';
import { httpUrl } from '../../contracts/config-fields.js';
import { channelAccess } from '../access.js';
import type { ChannelManifest } from '../manifest.js';

const config = z
  .object({
    /** The Signal account signal-cli runs, as its phone number (+15551234567). Unset: no Signal. */
    account: z
      .string()
      .regex(/^\+[1-9]\d{5,15}$/, 'a phone number in international form, e.g. +15551234567')
      .optional(),
    /** signal-cli's JSON-RPC daemon over HTTP: `signal-cli -a <account> daemon --http 127.0.0.1:8080 --receive-mode=manual`. */
    url: httpUrl().default('http://127.0.0.1:8080'),
    ...channelAccess,
    /** Phone numbers (+…) always allowed; someone who hides their number is named by their UUID. */
    allowFrom: z.array(z.string().min(1)).default([]),
    /** How long one `receive` waits for a message before asking again (a stop waits for the one under way). */
    pollTimeoutSeconds: z.number().int().min(1).max(60).default(5),
  })
  .strict()
  .prefault({});

export const signal = {
  id: 'signal',
  title: 'Signal',
  config,
  env: [
    { env: 'CLAWFLOW_SIGNAL_ACCOUNT', key: 'account', kind: 'string' },
    { env: 'CLAWFLOW_SIGNAL_URL', key: 'url', kind: 'string' },
  ],
  enabled: (settings) => Boolean(settings.account),
} satisfies ChannelManifest<typeof config>;
