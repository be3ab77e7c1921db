import { Context } from '@temporalio/activity';

/** How often a running activity tells Temporal it is alive (the SDK throttles to 0.8 × the heartbeat timeout). */
const heartbeatEveryMs = 1000;

/**
 * Runs `work` inside the current activity while heartbeating every second, so a worker that dies mid-step is noticed
 * within the step's heartbeat timeout, however long the step itself legitimately takes (a slow model, a long command,
 * a channel that rate-limits). In a local activity it only runs `work`.
 */
export async function whileHeartbeating<T>(work: () => Promise<T>): Promise<T> {
  const context = Context.current();
  // A local activity has no heartbeat: the workflow task it runs in is kept alive instead.
  if (context.info.isLocal) return work();
  context.heartbeat();
  const beat = setInterval(() => context.heartbeat(), heartbeatEveryMs);
  try {
    return await work();
  } finally {
    clearInterval(beat);
  }
}
