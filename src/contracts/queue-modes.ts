// Workflow-safe: the configuration and the session workflow both name the queue modes.

/**
 * What a message that arrives while a turn runs does (OpenClaw's `messages.queue.mode`): `collect` (waiting messages
 * become one next turn), `followup` (a turn each, in order), `steer` (into the running turn at its next tool boundary,
 * else as `collect`), `interrupt` (the running turn is cancelled and the next one answers it together with the newcomers).
 */
export const queueModes = ['collect', 'followup', 'steer', 'interrupt'] as const;
export type QueueMode = (typeof queueModes)[number];
