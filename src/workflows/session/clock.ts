/** The workflow's clock (replayed from history), as the session's records write it. */
export function now(): string {
  return new Date().toISOString();
}
