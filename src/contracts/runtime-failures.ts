// Failure types the agent activity reports to the session workflow. Workflow-safe.

/** Failure type of `invokeAgent` when the runtime session lost its context: start a fresh one with the full context. */
export const runtimeSessionLostType = 'RuntimeSessionLost';
