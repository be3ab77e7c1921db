import { z } from 'zod';
import { httpUrl, port } from '../../contracts/config-fields.js';
import { channelAccess, streaming } from '../access.js';
import type { ChannelManifest } from '../manifest.js';

const config = z
  .object({
    streaming,
    /** xoxb-… bot token. Unset: no Slack. */
    botToken: z.string().min(1).optional(),
    /** `socket`: Socket Mode (needs appToken, no public URL); `http`: the Events API on httpPort (needs signingSecret). */
    mode: z.enum(['socket', 'http']).default('socket'),
    /** xapp-… app-level token, for Socket Mode. */
    appToken: z.string().min(1).optional(),
    /** For the HTTP Events API: requests are verified with it. */
    signingSecret: z.string().min(1).optional(),
    httpPort: port.default(18791),
    /** The Web API's root (a local fake in tests). */
    apiUrl: httpUrl().default('https://slack.com/api/'),
    ...channelAccess,
  })
  .strict()
  .refine((s) => !s.botToken || s.mode !== 'socket' || s.appToken, { message: 'is required for Socket Mode', path: ['appToken'] })
  .refine((s) => !s.botToken || s.mode !== 'http' || s.signingSecret, { message: 'is required for the HTTP Events API', path: ['signingSecret'] })
  .prefault({});

export const slack = {
  id: 'slack',
  title: 'Slack',
  config,
  env: [
    { env: 'CLAWFLOW_SLACK_BOT_TOKEN', key: 'botToken', kind: 'string', secret: true },
    { env: 'CLAWFLOW_SLACK_APP_TOKEN', key: 'appToken', kind: 'string', secret: true },
    { env: 'CLAWFLOW_SLACK_SIGNING_SECRET', key: 'signingSecret', kind: 'string', secret: true },
    { env: 'CLAWFLOW_SLACK_MODE', key: 'mode', kind: 'string' },
    { env: 'CLAWFLOW_SLACK_API_URL', key: 'apiUrl', kind: 'string' },
  ],
  enabled: (settings) => Boolean(settings.botToken),
  streams: (settings) => settings.streaming === 'partial',
  ports: (settings) => (settings.mode === 'http' ? [{ what: 'Slack Events API', port: settings.httpPort, key: 'httpPort' }] : []),
  tokenShapes: [
    [/\bxox[abposr]-[A-Za-z0-9-]{8,}/g, '[redacted]'],
    [/\bxapp-[A-Za-z0-9-]{8,}/g, '[redacted]'],
  ],
} satisfies ChannelManifest<typeof config>;
