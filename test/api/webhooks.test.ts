import { describe, expect, it } from 'vitest';
import { renderHookMessage } from '../../src/api/webhooks.js';

describe("a webhook's message template", () => {
  it('fills {{a.b}} from the body, {{body}} with all of it, and leaves missing fields empty', () => {
    const body = { service: 'api', result: { status: 'green', checks: [1, 2] }, note: null };
    expect(renderHookMessage('{{service}} is {{ result.status }} ({{result.checks}}){{missing.deep}}{{note}}.', body)).toBe('api is green ([1,2]).');
    expect(renderHookMessage('Event:\n{{body}}', { a: 1 })).toBe('Event:\n{\n  "a": 1\n}');
    expect(renderHookMessage('no placeholders', 'a string body')).toBe('no placeholders');
  });
});
