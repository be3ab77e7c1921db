import { ActivityFailure, ApplicationFailure, TemporalFailure } from '@temporalio/workflow';

/**
 * The failure an activity call ended with, or null when the error is not one (a bug in the workflow). A call through
 * a task queue fails with an ActivityFailure around its cause; a local activity (the runtime called by the session
 * worker itself) fails with the cause alone. A cancellation is a failure too: callers that treat it apart ask first.
 */
export function failedCall(error: unknown): TemporalFailure | null {
  return error instanceof TemporalFailure ? error : null;
}

/** The innermost reason a call failed: what the activity threw, or the timeout that ended it. */
export function failureReason(failure: TemporalFailure): TemporalFailure {
  return failure instanceof ActivityFailure && failure.cause instanceof TemporalFailure ? failure.cause : failure;
}

/** Whether a call failed with an ApplicationFailure of this type. */
export function failedWithType(error: unknown, type: string): boolean {
  const failure = failedCall(error);
  if (!failure) return false;
  const reason = failureReason(failure);
  return reason instanceof ApplicationFailure && reason.type === type;
}
