import { describe, expect, it } from 'vitest';
import { LogRing } from '../src/log-ring.js';

const line = (fields: Record<string, unknown>): string => JSON.stringify({ level: 30, time: Date.parse('2026-12-07T10:00:00Z'), name: 'clawflow', ...fields });

describe('the log the console shows', () => {
  it('keeps the latest records, each with its level, the part that wrote it and its other fields', () => {
    const ring = new LogRing(3);
    ring.write(line({ msg: 'one', component: 'worker' }));
    ring.write(line({ msg: 'two', level: 40, channel: 'telegram', chat: '42' }));
    ring.write('not json');
    ring.write(line({ msg: 'three' }));
    ring.write(line({ msg: 'four', level: 50, err: { message: 'boom' } }));
    const { lines, earlier } = ring.since(0);
    expect(earlier).toBe(1);
    expect(lines.map((l) => [l.seq, l.level, l.component, l.message, l.detail])).toEqual([
      [2, 'warn', 'channel telegram', 'two', '{"chat":"42"}'],
      [3, 'info', 'clawflow', 'three', undefined],
      [4, 'error', 'clawflow', 'four', '{"err":{"message":"boom"}}'],
    ]);
    expect(ring.since(3).lines.map((l) => l.message)).toEqual(['four']);
    expect(ring.since(4).lines).toEqual([]);
    // Asked from a record it no longer holds: from the oldest it holds.
    expect(ring.since(0).lines[0]!.seq).toBe(2);
  });
});
