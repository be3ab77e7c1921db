import { appendFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { InboxSpool } from '../../../src/connectors/inbound/inbox-spool.js';

describe('the inbox spool (messages a platform will not send again)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'clawflow-spool-'));
  const file = join(dir, 'inbox.jsonl');
  afterEach(() => rmSync(file, { force: true }));

  it('gives back after a restart what was taken in and not handed over, in order', async () => {
    const spool = new InboxSpool<{ text: string }>(file);
    await spool.add([
      { key: 'a', value: { text: 'first' } },
      { key: 'b', value: { text: 'second' } },
      { key: 'c', value: { text: 'third' } },
    ]);
    await spool.done('a');
    // A crash cut the last write short: the torn line is not a message.
    appendFileSync(file, '{"add":"d","val');
    const reopened = new InboxSpool<{ text: string }>(file);
    expect(reopened.pending()).toEqual([
      { key: 'b', value: { text: 'second' } },
      { key: 'c', value: { text: 'third' } },
    ]);
    // What comes after the torn line is kept too.
    await reopened.add([{ key: 'e', value: { text: 'after the crash' } }]);
    expect(new InboxSpool<{ text: string }>(file).pending().map((p) => p.key)).toEqual(['b', 'c', 'e']);
    // And a message marked done first thing after a torn end stays done.
    appendFileSync(file, '{"add":"f","val');
    await new InboxSpool<{ text: string }>(file).done('b');
    expect(new InboxSpool<{ text: string }>(file).pending().map((p) => p.key)).toEqual(['c', 'e']);
  });

  it('keeps a message taken in while the last one is marked done (the file started over while a write was under way lost it)', async () => {
    const spool = new InboxSpool<{ text: string }>(file);
    for (let round = 0; round < 20; round++) {
      await spool.add([{ key: `a${round}`, value: { text: 'handed over' } }]);
      await Promise.all([spool.done(`a${round}`), spool.add([{ key: `b${round}`, value: { text: 'just in' } }])]);
      expect(new InboxSpool<{ text: string }>(file).pending().map((p) => p.key)).toEqual([`b${round}`]);
      await spool.done(`b${round}`);
    }
  });

  it('starts its file over once nothing waits', async () => {
    const spool = new InboxSpool<number>(file);
    await spool.add([{ key: 'x', value: 1 }]);
    await spool.done('x');
    expect(readFileSync(file, 'utf8')).toBe('');
    expect(new InboxSpool<number>(file).pending()).toEqual([]);
  });
});
