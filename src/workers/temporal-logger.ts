import type { LogLevel, LogMetadata, Logger as TemporalLogger } from '@temporalio/common';
import { runtimeSessionLostType } from '../contracts/runtime-failures.js';
import type { Logger } from '../logger.js';

const levels = { TRACE: 'trace', DEBUG: 'debug', INFO: 'info', WARN: 'warn', ERROR: 'error' } as const;
const rank = { trace: 10, debug: 20, info: 30, warn: 40, error: 50 } as const;

/** Expected by design: each task queue's worker serves only workflows or only activities. */
const expectedNotices = [/^No (activities|workflows|Nexus services) registered/];

/**
 * Routes the Temporal SDK's logs (worker, workflow `log`, activity `log`) into ClawFlow's logger. The SDK's own
 * chatter below `quietBelow` is demoted to debug, so a person sees it only when they ask for debug logs.
 */
export function temporalLoggerFrom(logger: Logger, quietBelow: keyof typeof rank = 'trace'): TemporalLogger {
  const log = (level: LogLevel, message: string, meta?: LogMetadata): void => {
    if (isDesignedRotation(meta)) {
      // Not a failure: the runtime session moved on (a restart, its idle timeout) and the workflow resends the context.
      logger.info(
        { workflowId: meta?.workflowId },
        'the agent runtime no longer held this conversation (after a restart or its idle timeout): sending it the full context',
      );
      return;
    }
    const target = levels[level];
    const quiet = rank[target] < rank[quietBelow] || expectedNotices.some((p) => p.test(message));
    logger[quiet ? 'debug' : target](meta ?? {}, message);
  };
  return {
    log,
    trace: (message, meta) => log('TRACE', message, meta),
    debug: (message, meta) => log('DEBUG', message, meta),
    info: (message, meta) => log('INFO', message, meta),
    warn: (message, meta) => log('WARN', message, meta),
    error: (message, meta) => log('ERROR', message, meta),
  };
}

/** The SDK's "Activity failed" for a runtime session that lost the conversation: a designed recovery, not a fault. */
function isDesignedRotation(meta: LogMetadata | undefined): boolean {
  const error = meta?.error as { type?: unknown } | undefined;
  return (meta?.activityType === 'invokeAgent' || meta?.activityType === 'invokeAgentAndRecord') && error?.type === runtimeSessionLostType;
}
