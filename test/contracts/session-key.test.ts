import { describe, expect, it } from 'vitest';
import { formatSessionKey, parseSessionKey, sessionWorkflowId } from '../../src/contracts/session-key.js';

describe('session keys', () => {
  it('parses agent:channel:chat, keeping colons inside the chat', () => {
    expect(parseSessionKey('main:slack:C123:1700000000.1')).toEqual({ agent: 'main', channel: 'slack', chat: 'C123:1700000000.1' });
  });

  it('reads a bare name as a CLI chat of the default agent', () => {
    expect(parseSessionKey('alice')).toEqual({ agent: 'main', channel: 'cli', chat: 'alice' });
    expect(parseSessionKey('alice', 'work')).toEqual({ agent: 'work', channel: 'cli', chat: 'alice' });
  });

  it('refuses malformed keys with a reason', () => {
    expect(() => parseSessionKey('a:b')).toThrow(/two parts/);
    expect(() => parseSessionKey('Main:cli:x')).toThrow(/agent "Main"/);
    expect(() => parseSessionKey('main::x')).toThrow(/channel ""/);
    expect(() => parseSessionKey('main:cli:has space')).toThrow(/chat "has space"/);
    expect(() => parseSessionKey('main:cli:')).toThrow(/chat ""/);
    // The example it gives is a key that works, never one with an empty chat.
    expect(() => parseSessionKey(':')).toThrow(/e\.g\. main:cli:me\)/);
    expect(() => parseSessionKey('work:')).toThrow(/e\.g\. main:cli:work\)/);
  });

  it('derives the workflow id', () => {
    const key = parseSessionKey('main:telegram:42');
    expect(formatSessionKey(key)).toBe('main:telegram:42');
    expect(sessionWorkflowId(key)).toBe('session:main:telegram:42');
  });
});
