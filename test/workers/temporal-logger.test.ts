import { ApplicationFailure } from '@temporalio/common';
import { describe, expect, it } from 'vitest';
import { runtimeSessionLostType } from '../../src/contracts/runtime-failures.js';
import type { Logger } from '../../src/logger.js';
import { temporalLoggerFrom } from '../../src/workers/temporal-logger.js';

function recordingLogger(): { logger: Logger; lines: Array<[string, string]> } {
  const lines: Array<[string, string]> = [];
  const at = (level: string) => (_fields: object, message: string) => void lines.push([level, message]);
  return { logger: { trace: at('trace'), debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') } as unknown as Logger, lines };
}

describe('the Temporal SDK log, in ClawFlow words', () => {
  it('tells a designed runtime-session rotation at info level, in words, and keeps real failures as warnings', () => {
    const { logger, lines } = recordingLogger();
    const sdk = temporalLoggerFrom(logger);
    sdk.warn('Activity failed', {
      activityType: 'invokeAgent',
      workflowId: 'session:main:cli:me',
      error: ApplicationFailure.nonRetryable('lost', runtimeSessionLostType),
    });
    // The same from the call that also writes the transcript (the sessions worker's, since v0.11.0).
    sdk.warn('Activity failed', { activityType: 'invokeAgentAndRecord', error: ApplicationFailure.nonRetryable('lost', runtimeSessionLostType) });
    sdk.warn('Activity failed', { activityType: 'invokeAgent', error: ApplicationFailure.retryable('model answered 500', 'ModelError') });
    const rotation = 'the agent runtime no longer held this conversation (after a restart or its idle timeout): sending it the full context';
    expect(lines).toEqual([
      ['info', rotation],
      ['info', rotation],
      ['warn', 'Activity failed'],
    ]);
  });
});
