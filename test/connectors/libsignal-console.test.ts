import { Writable } from 'node:stream';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { quietLibsignal } from '../../src/channels/whatsapp/libsignal-console.js';

describe("libsignal's console lines", () => {
  it('keep a session’s private keys out of the log: only their words, at debug; other console lines pass as before', () => {
    const printed: unknown[][] = [];
    const target = {
      log: (...a: unknown[]) => printed.push(a),
      info: (...a: unknown[]) => printed.push(a),
      warn: (...a: unknown[]) => printed.push(a),
      error: (...a: unknown[]) => printed.push(a),
    };
    const lines: string[] = [];
    const logger = pino({ level: 'debug' }, new Writable({ write: (chunk, _e, done) => (lines.push(String(chunk)), done()) }));
    quietLibsignal(logger, target);
    quietLibsignal(logger, target); // once per console
    const session = { currentRatchet: { ephemeralKeyPair: { privKey: Buffer.from('the private key bytes') } } };
    target.info('Closing session:', session);
    target.info('Opening session:', session);
    target.error('Session error:Error: Bad MAC', 'at SessionCipher…');
    target.warn('Closing open session in favor of incoming prekey bundle');
    target.log('the connector says hello', { n: 1 });
    expect(printed).toEqual([['the connector says hello', { n: 1 }]]);
    const logged = lines.join('');
    expect(logged).not.toContain('private key');
    expect(lines.map((l) => JSON.parse(l) as { msg: string; level: number; component: string })).toEqual([
      expect.objectContaining({ msg: 'Closing session:', level: 20, component: 'libsignal' }),
      expect.objectContaining({ msg: 'Opening session:', level: 20 }),
      expect.objectContaining({ msg: 'Session error:Error: Bad MAC', level: 20 }),
      expect.objectContaining({ msg: 'Closing open session in favor of incoming prekey bundle', level: 20 }),
    ]);
  });
});
