import { describe, expect, it } from 'vitest';
import { createRedactor, redactDeep, redactError } from '../src/redaction.js';

const secret = 'install-secret-value-123';
const redact = createRedactor([secret]);

describe('redaction', () => {
  it('blanks known secrets and token shapes (a Telegram bot URL, Slack tokens, bearer headers)', () => {
    expect(redact(`GET https://api.telegram.org/bot123456:AAE_abcdefghijk/sendMessage with ${secret}`)).toBe(
      'GET https://api.telegram.org/bot[redacted]/sendMessage with [redacted]',
    );
    expect(redact('xoxb-1234-5678-abcdefgh and Authorization: Bearer abcdefghijkl')).toBe('[redacted] and Authorization: Bearer [redacted]');
  });

  it("leaves nothing unredacted however deep a log record or an error's cause chain goes", () => {
    let record: Record<string, unknown> = { token: secret };
    for (let i = 0; i < 20; i += 1) record = { inner: record };
    expect(JSON.stringify(redactDeep(record, redact))).not.toContain(secret);

    let error = new Error(`innermost ${secret}`);
    for (let i = 0; i < 20; i += 1) error = new Error(`level ${i}`, { cause: error });
    expect(JSON.stringify(redactDeep(error, redact))).not.toContain(secret);
    redactError(error, redact);
    const chain: string[] = [];
    for (let e: unknown = error; e instanceof Error; e = e.cause) chain.push(e.message);
    expect(chain.join(' ')).not.toContain(secret);
    expect(chain[0]).toBe('level 19');
  });
});
