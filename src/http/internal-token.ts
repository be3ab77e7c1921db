import { timingSafeEqual } from 'node:crypto';

/** The header carrying the install's internal token: only processes of this install reach the internal endpoints. */
export const internalTokenHeader = 'x-clawflow-internal-token';

/** Compares a secret someone sent with the expected one, in constant time. */
export function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}
