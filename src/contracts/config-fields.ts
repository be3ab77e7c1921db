import { z } from 'zod';

// Configuration fields more than one part of the configuration uses (the channels' among them).

export const port = z.number().int().min(1).max(65535);
/** Host names a local server answers to besides loopback (`name` or `name:port`): behind a reverse proxy, its public name. */
export const allowedHosts = z
  .array(z.string().regex(/^(\*|[A-Za-z0-9.-]+(:\d{1,5})?|\[[0-9a-fA-F:]+\](:\d{1,5})?)$/, 'a host name, optionally with :port, or "*"'))
  .default([]);
/** Web pages (origins, e.g. https://app.example) allowed to call a local server from a browser. */
export const allowedOrigins = z.array(z.string().regex(/^https?:\/\/[^/\s]+$/, 'an origin: scheme and host, e.g. https://app.example')).default([]);
/** An http(s) URL. */
export const httpUrl = (): z.ZodURL => z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' });
