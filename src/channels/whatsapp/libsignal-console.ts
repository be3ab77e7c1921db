import type { Logger } from '../../logger.js';

/**
 * What libsignal (the Signal protocol under Baileys) writes to the console. Some of its lines carry a whole session —
 * its private keys among it ("Opening session:", "Closing session:") — and a connector's console is its log.
 */
const libsignalLines = [
  /^Opening session/,
  /^Closing session/,
  /^Closing open session/,
  /^Closing stale open session/,
  /^Removing old closed session/,
  /^Session already (open|closed)/,
  /^Migrating session/,
  /^Failed to decrypt message/,
  /^Session error/,
  /^Decrypted message with closed session/,
  /^V1 session storage migration error/,
  /^Unhandled bucket type/,
  /^WARNING: Expected pubkey/,
];

type ConsoleLike = Pick<Console, 'log' | 'info' | 'warn' | 'error'>;
const guarded = new WeakSet<ConsoleLike>();

/**
 * Keeps libsignal's console lines out of the log but for their first line of words, at debug level (never the objects
 * it prints after them); everything else written to the console goes through as before. Once per console.
 */
export function quietLibsignal(logger: Logger, target: ConsoleLike = console): void {
  if (guarded.has(target)) return;
  guarded.add(target);
  for (const level of ['log', 'info', 'warn', 'error'] as const) {
    const original = target[level].bind(target);
    target[level] = (...args: unknown[]): void => {
      const [first] = args;
      if (typeof first === 'string' && libsignalLines.some((line) => line.test(first)))
        return void logger.debug({ component: 'libsignal' }, first.split('\n', 1)[0]!);
      original(...args);
    };
  }
}
