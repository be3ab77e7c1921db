import { z } from 'zod';
import { allowedHosts, allowedOrigins, port } from '../../contracts/config-fields.js';
import type { ChannelManifest } from '../manifest.js';

const config = z
  .object({
    /** Serve the WebChat page (http://127.0.0.1:<port>/) from the connector: on by default, loopback only, opened with the link `npm start` prints. */
    enabled: z.boolean().default(true),
    port: port.default(18790),
    allowedHosts,
    allowedOrigins,
  })
  .strict()
  .prefault({});

export const webchat = {
  id: 'webchat',
  title: 'WebChat',
  config,
  env: [
    { env: 'CLAWFLOW_WEBCHAT_ENABLED', key: 'enabled', kind: 'boolean' },
    { env: 'CLAWFLOW_WEBCHAT_PORT', key: 'port', kind: 'number' },
  ],
  enabled: (settings) => settings.enabled,
  ports: (settings) => [{ what: 'WebChat', port: settings.port, key: 'port' }],
} satisfies ChannelManifest<typeof config>;
