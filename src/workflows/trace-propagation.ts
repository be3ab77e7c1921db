import type { Payload } from '@temporalio/common';
import type { WorkflowInterceptorsFactory } from '@temporalio/workflow';

/**
 * Carries a message's trace (tracing.otlpEndpoint) from the update or signal that brought it to the activities the
 * workflow then schedules, so the agent call, the tools, the runtime and the model are in the trace the client began.
 * Bundled in only when tracing is on.
 *
 * Only the header is copied, synchronously: Temporal's own workflow tracing interceptors wrap every handler in an
 * async span, which changes when a handler's effects are seen by the workflow's conditions — replaying the committed
 * histories with them failed 21 of 231 (a timer cancelled in the history, not on replay), so turning tracing on would
 * break running sessions. This adds no command and moves no handler: the histories replay with it (replay.test.ts).
 */
const traceHeader = '_tracer-data';

export const interceptors: WorkflowInterceptorsFactory = () => {
  let current: Payload | undefined;
  const remember = (headers: Record<string, Payload>): void => {
    if (headers[traceHeader]) current = headers[traceHeader];
  };
  const carry = <T extends { headers: Record<string, Payload> }>(input: T): T =>
    current && !input.headers[traceHeader] ? { ...input, headers: { ...input.headers, [traceHeader]: current } } : input;
  return {
    inbound: [
      {
        execute: (input, next) => {
          remember(input.headers);
          return next(input);
        },
        handleUpdate: (input, next) => {
          remember(input.headers);
          return next(input);
        },
        handleSignal: (input, next) => {
          remember(input.headers);
          return next(input);
        },
      },
    ],
    outbound: [
      {
        scheduleActivity: (input, next) => next(carry(input)),
        scheduleLocalActivity: (input, next) => next(carry(input)),
        startChildWorkflowExecution: (input, next) => next(carry(input)),
      },
    ],
  };
};
