import { ActivityFailure, CancellationScope, log, sleep, TimeoutFailure } from '@temporalio/workflow';
import type { SessionSettings } from '../messages.js';

/** How soon a call the tools host has not finished is looked into: a host that is there takes a call within milliseconds. */
const lookAfterMs = 3000;

/** How long a call of `tool` waits for its host to take it (tools.hostWait, tools.hostWaitPerTool), in seconds. */
export function hostWaitSeconds(settings: SessionSettings, tool: string): number {
  return settings.toolHostWaitPerTool?.[tool] ?? settings.toolHostWaitSeconds ?? 3600;
}

/** Whether a call failed because no tools host took it within its wait: it never started. */
export function neverTaken(error: unknown): boolean {
  return error instanceof ActivityFailure && error.cause instanceof TimeoutFailure && error.cause.timeoutType === 'SCHEDULE_TO_START';
}

/**
 * Resolves as `running` does. If it is still running after a few seconds and no tools host polls its queue (a laptop
 * asleep), `tellAway` is called once — the call itself goes on waiting, in its task queue, until a host takes it or
 * its wait ends.
 */
export async function tellIfHostAway<T>(running: Promise<T>, hostPresent: () => Promise<boolean>, tellAway: () => Promise<void>): Promise<T> {
  const timer = new CancellationScope();
  const late = timer
    .run(() => sleep(lookAfterMs))
    .then(
      () => true,
      () => false,
    );
  const stillRunning = await Promise.race([
    running.then(
      () => false,
      () => false,
    ),
    late,
  ]);
  timer.cancel();
  if (stillRunning) {
    const present = await hostPresent().catch((error: unknown) => {
      log.warn('Could not ask Temporal whether a tools host is there', { error: String(error) });
      return true;
    });
    if (!present) await tellAway();
  }
  return running;
}
