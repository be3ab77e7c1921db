import { z } from 'zod';
import { httpUrl } from '../../contracts/config-fields.js';
import { channelAccess, streaming } from '../access.js';
import type { ChannelManifest } from '../manifest.js';

const config = z
  .object({
    streaming,
    /** The homeserver's client-server API (https://matrix.example.org). Unset: no Matrix. */
    homeserverUrl: httpUrl().optional(),
    /** The bot account's user id (@clawflow:example.org). */
    userId: z
      .string()
      .regex(/^@[^:\s]+:\S+$/, 'a Matrix user id, e.g. @clawflow:example.org')
      .optional(),
    /** Its access token; better in CLAWFLOW_MATRIX_ACCESS_TOKEN than in this file. */
    accessToken: z.string().min(1).optional(),
    ...channelAccess,
    /** Matrix user ids (@someone:example.org) always allowed. */
    allowFrom: z.array(z.string().min(1)).default([]),
    /** How long one sync waits for events. */
    pollTimeoutSeconds: z.number().int().min(1).max(60).default(25),
  })
  .strict()
  .refine((m) => !m.homeserverUrl || (m.userId && m.accessToken), { message: 'userId and accessToken are needed with homeserverUrl', path: ['homeserverUrl'] })
  .prefault({});

export const matrix = {
  id: 'matrix',
  title: 'Matrix',
  config,
  env: [
    { env: 'CLAWFLOW_MATRIX_HOMESERVER_URL', key: 'homeserverUrl', kind: 'string' },
    { env: 'CLAWFLOW_MATRIX_USER_ID', key: 'userId', kind: 'string' },
    { env: 'CLAWFLOW_MATRIX_ACCESS_TOKEN', key: 'accessToken', kind: 'string', secret: true },
  ],
  enabled: (settings) => Boolean(settings.homeserverUrl),
  streams: (settings) => settings.streaming === 'partial',
} satisfies ChannelManifest<typeof config>;
