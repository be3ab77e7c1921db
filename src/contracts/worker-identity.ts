/**
 * The Temporal worker identity of a ClawFlow process: `clawflow-<release>-<pid>-<nonce>@<host>`. It names the
 * release, so `doctor` can see workers of two releases serving one queue (a rolling deploy under way, or one left
 * behind).
 */
export function workerIdentity(release: string, pid: number, nonce: string, host: string): string {
  return `clawflow-${release}-${pid}-${nonce}@${host}`;
}

/** The release a worker identity names; null for another worker (or a ClawFlow older than v0.10.0). */
export function releaseOfWorker(identity: string): string | null {
  return /^clawflow-(\d+\.\d+\.\d+(?:[-+][0-9A-Za-z.]+)*)-\d+-[0-9a-z]+@/.exec(identity)?.[1] ?? null;
}
