/**
 * How this process sends what telemetry it still holds before it exits — set by tracing when it starts, so the
 * CLI can flush without loading OpenTelemetry when there is nothing to flush.
 */
let flush: (() => Promise<void>) | null = null;

export function setTelemetryFlush(next: () => Promise<void>): void {
  flush = next;
}

/** Sends what is batched (within `timeoutMs`); nothing when tracing never started. */
export async function flushTelemetry(timeoutMs = 3000): Promise<void> {
  if (!flush) return;
  await Promise.race([flush().catch(() => undefined), new Promise((resolve) => setTimeout(resolve, timeoutMs).unref())]);
}
