import type { Logger } from '../logger.js';

/**
 * For the long-running commands (start, worker, connector, runtime, emulator): an error nothing caught is logged and
 * the process keeps serving, instead of one malformed input taking every session's connections down with it. Each
 * such error is a bug to fix where it happened; this is the net under it.
 */
export function keepServingOnUncaughtErrors(logger: Logger): void {
  process.on('uncaughtException', (error, origin) => {
    logger.error({ err: error, origin }, 'uncaught exception; still serving (this is a bug: please report it)');
  });
  process.on('unhandledRejection', (reason) => {
    logger.error({ err: reason }, 'unhandled promise rejection; still serving (this is a bug: please report it)');
  });
}
