/**
 * Errors Temporal wraps around the one that matters: a failed update, and its failures (ApplicationFailure,
 * ActivityFailure, …). Known by name, so the CLI does not load Temporal's client to print an error.
 */
function isTemporalWrapper(error: Error): boolean {
  return error.name === 'WorkflowUpdateFailedError' || (error.name.endsWith('Failure') && 'failure' in error);
}

/** The sentence a person should read for an error: the innermost cause Temporal wrapped. */
export function describeError(error: unknown): string {
  if (error instanceof Error && isTemporalWrapper(error)) {
    let current: unknown = error;
    while (current instanceof Error && current.cause instanceof Error) current = current.cause;
    return (current as Error).message;
  }
  return error instanceof Error ? error.message : String(error);
}
