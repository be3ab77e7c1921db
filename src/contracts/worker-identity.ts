/**
 * The Temporal worker identity of a ClawFlow process: `clawflow-<release>-<pid>-<nonce>@<host>`. It names the
 * release, so `doctor` can see workers of two releases serving one queue (a rolling deploy under way, or one left
 * behind).
 */
export function workerIdentity(release: string, pid: number, nonce: string, host: string): string {
  return `clawflow-${release}-${pid}-${nonce}@${host}`;
}

const identityPattern = /^clawflow-(\d+\.\d+\.\d+(?:[-+][0-9A-Za-z.]+)*)-(\d+)-[0-9a-z]+@/;

/** The release a worker identity names; null for another worker (or a ClawFlow older than v0.10.0). */
export function releaseOfWorker(identity: string): string | null {
  return identityPattern.exec(identity)?.[1] ?? null;
}

/** The process id a ClawFlow worker identity names, or null. */
export function pidOfWorker(identity: string): number | null {
  const pid = identityPattern.exec(identity)?.[2];
  return pid === undefined ? null : Number(pid);
}
