import { execFile } from 'node:child_process';
import { getEventListeners } from 'node:events';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it, vi } from 'vitest';
import { FetchFailed, fetchWithin, withinDeadline } from '../../src/http/deadline.js';

const probe = fileURLToPath(new URL('../fixtures/deadline-under-gc.ts', import.meta.url));

/** Runs the probe in a Node with a collector the probe can drive, and returns what it printed. */
async function underGc(kind: 'deadline' | 'any'): Promise<string> {
  const { stdout } = await promisify(execFile)(process.execPath, ['--expose-gc', '--import', 'tsx', probe, kind], { timeout: 30_000 });
  return stdout.trim();
}

describe('a request deadline under memory pressure', () => {
  it('aborts a hung fetch on time while the collector runs (AbortSignal.any with AbortSignal.timeout may never abort it then)', async () => {
    // (The probe's `any` mode is what the model calls used before: on Node 20.20 it was still waiting after 3 s in
    // every run of 2026-12-07 — not asserted, as it depends on when the collector runs.)
    expect(await underGc('deadline')).toMatch(/^rejected TimeoutError after \d+ ms$/);
  });
});

describe('an exchange held to a deadline', () => {
  const answering = async (respond: (response: import('node:http').ServerResponse) => void): Promise<{ url: string; close: () => void }> => {
    const { createServer } = await import('node:http');
    const server = createServer((_, response) => respond(response));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as import('node:net').AddressInfo;
    return {
      url: `http://127.0.0.1:${port}/`,
      close: () => {
        server.closeAllConnections();
        server.close();
      },
    };
  };

  it('lets go of everything once it is over: no timer left to fire, no listener left on the caller signal', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    try {
      const caller = new AbortController().signal;
      for (let i = 0; i < 100; i++) await withinDeadline(600_000, caller, async () => i);
      await expect(withinDeadline(600_000, caller, () => Promise.reject(new Error('refused')))).rejects.toThrow('refused');
      // A timer still set would hold the exchange (its body, its answer) for ten minutes.
      expect(vi.getTimerCount()).toBe(0);
      expect(getEventListeners(caller, 'abort')).toHaveLength(0);
    } finally {
      vi.useRealTimers();
    }
  });

  it('holds the reading of the answer to the deadline too, and says the exchange timed out', async () => {
    const server = await answering((response) => response.writeHead(200).write('{"partial":'));
    try {
      const started = Date.now();
      const failure = await fetchWithin(server.url, {}, 300, undefined, (response) => response.json()).catch((error: unknown) => error);
      expect(failure).toBeInstanceOf(FetchFailed);
      expect(failure).toMatchObject({ timedOut: true, message: 'no answer within 300 ms' });
      expect(Date.now() - started).toBeLessThan(2000);
    } finally {
      server.close();
    }
  });

  it('passes what reading the answer throws through as it is, and tells an unreachable endpoint apart', async () => {
    const server = await answering((response) => response.writeHead(503).end('busy'));
    try {
      await expect(
        fetchWithin(server.url, {}, 5000, undefined, async (response) => {
          throw new Error(`answered ${response.status}`);
        }),
      ).rejects.toThrow(/^answered 503$/);
    } finally {
      server.close();
    }
    const failure = await fetchWithin(server.url, {}, 5000, undefined, async () => 'never').catch((error: unknown) => error);
    expect(failure).toMatchObject({ name: 'FetchFailed', timedOut: false });
    expect((failure as Error).message).toMatch(/ECONNREFUSED/);
  });

  it('throws the caller reason when the caller gives up', async () => {
    const server = await answering(() => undefined);
    try {
      const caller = new AbortController();
      const pending = fetchWithin(server.url, {}, 5000, caller.signal, async () => 'never');
      caller.abort(new Error('cancelled by the session'));
      await expect(pending).rejects.toThrow('cancelled by the session');
    } finally {
      server.close();
    }
  });
});
