import { afterEach, describe, expect, it, vi } from 'vitest';
import { ConsoleFeedHub } from '../../src/console/console-feed.js';
import { createLogger } from '../../src/logger.js';

const snapshot = (turns: number) => ({
  sessions: [{ sessionKey: 'main:cli:me', agent: 'main', channel: 'cli', peer: 'me', lastActivity: null, turns, status: 'idle' }],
  approvals: [],
  pairing: [],
  workflowLinkPrefix: null,
});

describe('the console feed', () => {
  afterEach(() => vi.useRealTimers());

  it('reads only while a page listens, and sends a snapshot on only when it changed', async () => {
    vi.useFakeTimers();
    let turns = 1;
    let reads = 0;
    const hub = new ConsoleFeedHub(
      async () => {
        reads += 1;
        return snapshot(turns);
      },
      2000,
      createLogger('silent'),
    );
    const seen: number[] = [];
    const stop = hub.listen((json) => seen.push((JSON.parse(json) as ReturnType<typeof snapshot>).sessions[0]!.turns));
    await vi.advanceTimersByTimeAsync(0);
    expect(seen).toEqual([1]);
    await vi.advanceTimersByTimeAsync(6000);
    expect(seen).toEqual([1]);
    turns = 2;
    await vi.advanceTimersByTimeAsync(2000);
    expect(seen).toEqual([1, 2]);
    // A second page gets the latest at once, without a read of its own.
    const late: string[] = [];
    const readsBefore = reads;
    const stopLate = hub.listen((json) => late.push(json));
    expect(late).toHaveLength(1);
    expect(reads).toBe(readsBefore);
    stop();
    stopLate();
    const readsWhenAlone = reads;
    await vi.advanceTimersByTimeAsync(20_000);
    expect(reads).toBe(readsWhenAlone);
  });

  it('keeps going when a read fails, and says so in the log', async () => {
    vi.useFakeTimers();
    let fail = true;
    const warnings: string[] = [];
    const logger = createLogger('silent');
    logger.warn = ((_: unknown, message: string) => void warnings.push(message)) as typeof logger.warn;
    const hub = new ConsoleFeedHub(
      async () => {
        if (fail) throw new Error('Temporal is restarting');
        return snapshot(3);
      },
      2000,
      logger,
    );
    const seen: string[] = [];
    const stop = hub.listen((json) => seen.push(json));
    await vi.advanceTimersByTimeAsync(0);
    expect(seen).toEqual([]);
    expect(warnings).toEqual(['the console could not read what a page shows (will try again)']);
    fail = false;
    await vi.advanceTimersByTimeAsync(2000);
    expect(seen).toHaveLength(1);
    stop();
  });
});
