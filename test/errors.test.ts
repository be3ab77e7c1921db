import { WorkflowUpdateFailedError } from '@temporalio/client';
import { ActivityFailure, ApplicationFailure, RetryState } from '@temporalio/common';
import { describe, expect, it } from 'vitest';
import { describeError } from '../src/errors.js';

describe('describeError', () => {
  it('reads the innermost cause Temporal wrapped, without loading Temporal to know its errors', () => {
    const inner = ApplicationFailure.create({ message: 'the model endpoint refused the key' });
    const activity = new ActivityFailure('Activity task failed', 'invokeAgent', '1', RetryState.NON_RETRYABLE_FAILURE, 'worker', inner);
    expect(describeError(new WorkflowUpdateFailedError('Workflow Update failed', activity))).toBe('the model endpoint refused the key');
    expect(describeError(activity)).toBe('the model endpoint refused the key');
  });

  it('keeps any other error as it is, its cause included', () => {
    expect(describeError(new Error('outer', { cause: new Error('inner') }))).toBe('outer');
    expect(describeError('a string')).toBe('a string');
  });
});
