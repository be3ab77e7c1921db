import { WorkflowUpdateFailedError } from '@temporalio/client';
import { TemporalFailure } from '@temporalio/common';

/** The sentence a person should read for an error: the innermost cause Temporal wrapped. */
export function describeError(error: unknown): string {
  if (error instanceof WorkflowUpdateFailedError || error instanceof TemporalFailure) {
    let current: unknown = error;
    while (current instanceof Error && current.cause instanceof Error) current = current.cause;
    return (current as Error).message;
  }
  return error instanceof Error ? error.message : String(error);
}
