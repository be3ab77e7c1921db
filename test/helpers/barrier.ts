import { randomUUID } from 'node:crypto';
import { expect } from 'vitest';

/**
 * A barrier in place of "sleep, then check nothing came twice": one more message the same way in, and its reply. A
 * chat's messages are taken and answered in order, one turn at a time, so whatever the earlier ones were going to
 * cause — a second reply, a second model call — has happened by the time this one is answered.
 *
 * `send` sends the text; `answered` says whether a reply to that text has arrived. Returns the text sent.
 */
export async function followUpAnswered(
  send: (text: string) => unknown,
  answered: (text: string) => boolean | Promise<boolean>,
  timeoutMs = 60_000,
): Promise<string> {
  const text = `barrier ${randomUUID().slice(0, 8)}`;
  await send(text);
  await expect.poll(() => answered(text), { timeout: timeoutMs, message: `the reply to the follow-up "${text}"` }).toBe(true);
  return text;
}
