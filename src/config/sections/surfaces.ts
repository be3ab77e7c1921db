import { z } from 'zod';
import { allowedHosts, allowedOrigins, httpUrl, port } from '../../contracts/config-fields.js';

// What ClawFlow serves and keeps: the API, media, metrics, traces, encrypted history, the log.

export const api = z
  .object({
    /** Serve the OpenAI-compatible API (POST /v1/chat/completions, GET /v1/models) from `clawflow start`. */
    enabled: z.boolean().default(true),
    port: port.default(18788),
    /** Address to bind. */
    host: z.string().min(1).default('127.0.0.1'),
    /** `token`: every request needs `Authorization: Bearer <token>`. `none`: no token, on loopback only (a warning at start). */
    auth: z.enum(['token', 'none']).default('token'),
    /** The bearer token. Unset: the one ClawFlow made on first start, in <home>/secrets/api-token. */
    token: z.string().min(8, 'must be at least 8 characters').optional(),
    maxBodyBytes: z.number().int().min(1024).max(100_000_000).default(1_000_000),
    allowedHosts,
    allowedOrigins,
  })
  .strict()
  .refine((api) => api.auth === 'token' || ['127.0.0.1', 'localhost', '::1'].includes(api.host), {
    message: 'api.auth "none" is for loopback only: serving the API beyond this machine needs its token',
    path: ['auth'],
  })
  .prefault({});

/** The owner's console: one page for sessions and approvals, served by `clawflow start` (and `clawflow console`). */
export const consolePage = z
  .object({
    enabled: z.boolean().default(true),
    /** Its loopback port; the link `clawflow start` prints carries the install's console key. */
    port: port.default(18795),
    /** Host names it answers to besides loopback (a proxy's, e.g. Tailscale Serve's). */
    allowedHosts,
    /** Origins its pages may be served from besides its own (the proxied origin). */
    allowedOrigins,
  })
  .strict()
  .prefault({});

export const media = z
  .object({
    /**
     * Voice notes and audio are transcribed through an OpenAI-compatible `/audio/transcriptions` endpoint (OpenAI,
     * Groq, a local whisper.cpp or faster-whisper server). Unset: the sender is told what to set.
     */
    transcription: z
      .object({
        baseUrl: httpUrl().optional(),
        apiKey: z.string().min(1).optional(),
        model: z.string().min(1).default('whisper-1'),
      })
      .strict()
      .prefault({}),
    /** The largest file a user sends that is kept (voice notes, documents, photos). */
    maxBytes: z.number().int().min(10_000).max(500_000_000).default(25_000_000),
    /** How much of a document's text (PDF, text files) the agent is given with the message; the file has the rest. */
    documentTextChars: z.number().int().min(0).max(100_000).default(8_000),
    /**
     * Where the tools host serves the images users sent to the agent runtime (short-lived signed links, downscaled).
     * 0: a free loopback port, which a runtime on this machine reaches.
     */
    imagePort: z.union([port, z.literal(0)]).default(0),
    /**
     * The address a runtime elsewhere (AgentCore) reaches that image server at, e.g. an HTTPS tunnel or reverse
     * proxy to media.imagePort. Unset: the loopback address.
     */
    imageBaseUrl: httpUrl().optional(),
  })
  .strict()
  .prefault({});

export const metrics = z
  .object({
    /** Serve Prometheus metrics (Temporal's and ClawFlow's clawflow_*) on 127.0.0.1:<port>/metrics from the workers' process. Unset: off. */
    port: port.optional(),
  })
  .strict()
  .prefault({});

export const tracing = z
  .object({
    /**
     * OTLP/HTTP traces endpoint (e.g. http://127.0.0.1:4318/v1/traces, a collector or Jaeger): each message's trace
     * from the client through the workflow, its activities, the runtime and the model. Unset: no tracing.
     */
    otlpEndpoint: httpUrl().optional(),
  })
  .strict()
  .prefault({});

export const history = z
  .object({
    /**
     * Encrypt what ClawFlow writes to Temporal (messages, replies, tool input and output) with AES-256-GCM, the key
     * in secrets/history-key; the Web UI reads it through the codec server `clawflow start` runs.
     */
    encrypt: z.boolean().default(true),
    /** The loopback port of that codec server (the dev server's Web UI is pointed at it). */
    codecPort: port.default(18794),
  })
  .strict()
  .prefault({});

export const log = z
  .object({
    level: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']).default('info'),
  })
  .strict()
  .prefault({});
