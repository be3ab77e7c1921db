import { createHmac } from 'node:crypto';

/** JSON with every object's keys in order and undefined left out: the same state gives the same text, however built. */
function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, inner: unknown) =>
    inner !== null && typeof inner === 'object' && !Array.isArray(inner)
      ? Object.fromEntries(Object.entries(inner as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : inner,
  );
}

/**
 * The install's seal over the state a session is started with (`sessions repair`): only a holder of the install's
 * key can make it, and it holds for that workflow id only. A session's own continue-as-new needs none.
 */
export function carriedSeal(key: string, workflowId: string, carried: unknown): string {
  return createHmac('sha256', key)
    .update(`${workflowId}\n${canonicalJson(carried)}`)
    .digest('base64url');
}
