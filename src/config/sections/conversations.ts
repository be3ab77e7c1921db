import { z } from 'zod';
import { queueModes } from '../../contracts/queue-modes.js';
import { defaultSessionCacheMb } from '../session-cache.js';

// How conversations go: sessions, queued messages, schedules, webhooks.

export const session = z
  .object({
    /** Finished turns kept in the session (and sent to the model as context). */
    historyTurns: z.number().int().min(1).max(500).default(40),
    /**
     * The conversation's share of a model request, in tokens (estimated from characters): as it nears this, the
     * older turns are summarised by the model into the context (compaction).
     */
    contextTokens: z.number().int().min(1000).max(2_000_000).default(32_000),
    /**
     * When a conversation starts afresh on its own, checked when a message comes (OpenClaw's session.reset): `off`
     * (ClawFlow's default: compaction keeps a long conversation within the budget), `daily` (the first message after
     * `atHour`, in schedules.timeZone), `idle` (after `idleMinutes` without a turn; with `daily` too, the first to expire wins).
     */
    reset: z
      .object({
        mode: z.enum(['off', 'daily', 'idle']).default('off'),
        atHour: z.number().int().min(0).max(23).default(4),
        idleMinutes: z.number().min(0).max(525_600).default(0),
      })
      .strict()
      .refine((reset) => reset.mode !== 'idle' || reset.idleMinutes > 0, { message: 'mode "idle" needs idleMinutes', path: ['idleMinutes'] })
      .prefault({}),
    /**
     * How far behind a busy session `sessions list` (and the Temporal Web UI's columns) may be, in seconds: a session
     * writes its turn count and last activity at most this often (each write costs the server a visibility update); a
     * turn waiting for approval, or ended, shows at once, and `sessions show` is always current. 0: after every change.
     */
    listRefreshSeconds: z.number().int().min(0).max(3600).default(15),
    /** A session's workflow continues as new after this many turns in one run. */
    continueAsNewAfterTurns: z.number().int().min(1).max(10_000).default(200),
    /** How many recent message ids are remembered to drop redeliveries. */
    dedupeWindow: z.number().int().min(10).max(100_000).default(1000),
    /**
     * The memory a sessions worker keeps sessions in, in MB (each about 0.3 MB): as many as fit are kept, the least
     * recently used leave, and one not kept replays its short history when its next message comes (milliseconds).
     * Default: 5 % of the machine's memory, 32 to 64 MB.
     */
    cacheMemoryMb: z
      .number()
      .int()
      .min(0)
      .max(1_000_000)
      .default(() => defaultSessionCacheMb()),
    /** Sessions a sessions worker keeps in memory, whatever they take (0: none kept); unset: as many as cacheMemoryMb holds. */
    maxCached: z.number().int().min(0).max(100_000).optional(),
  })
  .strict()
  .prefault({});

export const messages = z
  .object({
    queue: z
      .object({
        /** Messages that may wait behind a running turn (OpenClaw's messages.queue.cap). */
        cap: z.number().int().min(1).max(1000).default(20),
        /** Their characters together: what waits travels in Temporal's history, which caps payloads at 2 MB. */
        maxChars: z.number().int().min(1000).max(300_000).default(100_000),
        /** When full: `summarize` (the oldest gives way and the next turn hears how it began), `old` (the oldest gives way), `new` (the newcomer is refused). */
        drop: z.enum(['summarize', 'old', 'new']).default('summarize'),
        /**
         * What messages sent while a turn runs do: `collect` (one next turn for them all), `followup` (a turn each),
         * `steer` (into the running turn at its next tool step), `interrupt` (cancel it; the next turn answers all).
         */
        mode: z.enum(queueModes).default('collect'),
        /** In `collect`, `steer` and `interrupt`: the next turn waits until the waiting messages have been quiet this long. */
        debounceMs: z.number().int().min(0).max(60_000).default(500),
      })
      .strict()
      .prefault({}),
  })
  .strict()
  .prefault({});

export const schedules = z
  .object({
    /** A firing missed while the workers were down runs once when they return, if it is at most this old. */
    catchupWindowSeconds: z
      .number()
      .int()
      .min(60)
      .max(30 * 86_400)
      .default(3600),
    /** A heartbeat answer that is only this token is not sent. */
    heartbeatSilentToken: z.string().min(2).default('HEARTBEAT_OK'),
    /** The zone cron expressions, `--at` times and active hours are read in (default: this machine's). */
    timeZone: z.string().min(1).optional(),
  })
  .strict()
  .prefault({});

/**
 * Webhooks in: `POST /hooks/<name>` on the API port (the API's token) turns a JSON body into a turn of the agent,
 * the answer optionally sent to a chat. One turn per idempotency key, however often the sender retries.
 */
export const hooks = z
  .record(
    z.string().regex(/^[a-z0-9][a-z0-9_-]{0,63}$/, 'a hook name: lowercase letters, digits, - and _'),
    z
      .object({
        /** What the agent is told: `{{a.b}}` is the body's field a.b, `{{body}}` the whole body as JSON. */
        message: z.string().min(1).default('A webhook came in:\n{{body}}'),
        /** `isolated`: a conversation of its own per call; `main`: the agent's main session. */
        session: z.enum(['isolated', 'main']).default('isolated'),
        /** Where the answer goes (`channel:chat`, e.g. telegram:123456789); unset: kept in the session only. */
        to: z
          .string()
          .regex(/^[a-z]+:.+$/, 'channel:chat, e.g. telegram:123456789')
          .optional(),
        /** The agent that answers (default: the default agent). */
        agent: z.string().min(1).optional(),
        /** The body field that identifies a delivery (`id`, `delivery.id`): a retried one runs no second turn. The Idempotency-Key header wins. */
        idempotencyField: z.string().min(1).optional(),
        /** The bearer token this hook's sender sends; unset: one ClawFlow makes (secrets/hook-<name>). Never the API's. */
        token: z.string().min(16, 'must be at least 16 characters').optional(),
      })
      .strict(),
  )
  .default({});
