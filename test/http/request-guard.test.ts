import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { guardRequest, type GuardPolicy } from '../../src/http/request-guard.js';

const request = (headers: Record<string, string>): IncomingMessage => ({ headers }) as unknown as IncomingMessage;
const policy = (extra: Partial<GuardPolicy> = {}): GuardPolicy => ({ port: 18788, allowedHosts: [], allowedOrigins: [], ...extra });
const json = { accepted: ['application/json'] };

describe('the request guard every local server applies', () => {
  it('answers its loopback names on its own port, and refuses any other Host (DNS rebinding) with 421', () => {
    for (const host of ['127.0.0.1:18788', 'localhost:18788', '[::1]:18788', 'LOCALHOST:18788'])
      expect(guardRequest(request({ host }), policy()), host).toBeNull();
    for (const host of ['evil.example:18788', '127.0.0.1:9999', '127.0.0.1', 'user@127.0.0.1:18788', '127.0.0.1:18788/x', '']) {
      expect(guardRequest(request({ host }), policy())?.status, host).toBe(421);
    }
  });

  it('adds the configured names, on any port or on the one given, IPv6 included', () => {
    const allowed = policy({ allowedHosts: ['claw.lan', 'box.example:8443', '[fd00::1]:8443', '[fd00::2]'] });
    for (const host of ['claw.lan:18788', 'claw.lan:80', 'box.example:8443', '[fd00::1]:8443', '[fd00::2]:1234'])
      expect(guardRequest(request({ host }), allowed), host).toBeNull();
    for (const host of ['box.example:18788', '[fd00::1]:18788', 'other.lan:18788']) expect(guardRequest(request({ host }), allowed)?.status, host).toBe(421);
  });

  it('refuses a foreign Origin with 403 and a body a browser sends without asking with 415; its own origin and JSON pass', () => {
    const host = '127.0.0.1:18788';
    expect(guardRequest(request({ host, origin: 'https://evil.example', 'content-type': 'application/json' }), policy(), json)?.status).toBe(403);
    expect(guardRequest(request({ host, origin: 'null' }), policy())?.status).toBe(403);
    expect(guardRequest(request({ host, origin: 'http://localhost:18788' }), policy())?.status).toBe(403);
    expect(guardRequest(request({ host, 'content-type': 'text/plain' }), policy(), json)?.status).toBe(415);
    expect(guardRequest(request({ host }), policy(), json)?.status).toBe(415);
    expect(guardRequest(request({ host, origin: `http://${host}`, 'content-type': 'application/json; charset=utf-8' }), policy(), json)).toBeNull();
    expect(
      guardRequest(
        request({ host, origin: 'https://app.example', 'content-type': 'application/json' }),
        policy({ allowedOrigins: ['https://app.example'] }),
        json,
      ),
    ).toBeNull();
  });
});
