import { appendFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { JsonlTranscriptStore } from '../../src/transcript/jsonl-store.js';
import type { TranscriptEntry } from '../../src/contracts/session-records.js';

const turn = (n: number): TranscriptEntry[] => [
  { turn: n, role: 'user', text: `q${n}`, messageId: `m${n}`, at: '2026-01-01T00:00:00Z' },
  { turn: n, role: 'assistant', text: `a${n}`, at: '2026-01-01T00:00:01Z' },
];

describe('JSONL transcript store', () => {
  it("writes OpenClaw's layout and reads it back", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'clawflow-transcripts-'));
    const store = new JsonlTranscriptStore(dir);
    await store.append('main:telegram:42', turn(1));
    expect(store.fileFor('main:telegram:42')).toBe(join(dir, 'main', 'sessions', 'telegram%3A42.jsonl'));
    expect((await store.read('main:telegram:42'))!.map((e) => e.text)).toEqual(['q1', 'a1']);
    expect(await store.sessionKeys()).toEqual(['main:telegram:42']);
    expect(await store.read('main:telegram:7')).toBeNull();
  });

  it('ignores a retried append of a turn it already has', async () => {
    const store = new JsonlTranscriptStore(mkdtempSync(join(tmpdir(), 'clawflow-transcripts-')));
    expect(await store.append('main:cli:x', turn(1))).toBe(2);
    expect(await store.append('main:cli:x', turn(1))).toBe(0);
    expect(await store.append('main:cli:x', turn(2))).toBe(2);
    expect((await store.read('main:cli:x'))!.map((e) => e.turn)).toEqual([1, 1, 2, 2]);
  });

  it('notices turns another writer appended since its own last append, and a file removed meanwhile', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'clawflow-transcripts-'));
    const [one, other] = [new JsonlTranscriptStore(dir), new JsonlTranscriptStore(dir)];
    expect(await one.append('main:cli:x', turn(1))).toBe(2);
    expect(await other.append('main:cli:x', turn(2))).toBe(2);
    expect(await one.append('main:cli:x', turn(2))).toBe(0);
    expect(await one.append('main:cli:x', turn(3))).toBe(2);
    expect((await one.read('main:cli:x'))!.map((e) => e.turn)).toEqual([1, 1, 2, 2, 3, 3]);
    rmSync(join(dir, 'main'), { recursive: true });
    expect(await one.append('main:cli:x', turn(4))).toBe(2);
    expect((await one.read('main:cli:x'))!.map((e) => e.turn)).toEqual([4, 4]);
  });

  it('survives a line torn by a crash mid-write', async () => {
    const store = new JsonlTranscriptStore(mkdtempSync(join(tmpdir(), 'clawflow-transcripts-')));
    await store.append('main:cli:x', turn(1));
    appendFileSync(store.fileFor('main:cli:x'), '{"turn":2,"role":"us');
    await store.append('main:cli:x', turn(2));
    expect((await store.read('main:cli:x'))!.map((e) => `${e.turn}${e.role}`)).toEqual(['1user', '1assistant', '2user', '2assistant']);
    expect(readFileSync(store.fileFor('main:cli:x'), 'utf8').endsWith('\n')).toBe(true);
  });

  it('recognises a retried append after answers of any length (the check once read only the last 64 KiB)', async () => {
    const store = new JsonlTranscriptStore(mkdtempSync(join(tmpdir(), 'clawflow-transcripts-')));
    const long = (n: number, chars: number): TranscriptEntry[] => [
      { turn: n, role: 'user', text: `q${n}`, messageId: `m${n}`, at: '2026-01-01T00:00:00Z' },
      { turn: n, role: 'assistant', text: 'y'.repeat(chars), at: '2026-01-01T00:00:01Z' },
    ];
    expect(await store.append('main:cli:long', long(1, 70_000))).toBe(2);
    expect(await store.append('main:cli:long', long(1, 70_000))).toBe(0);
    expect(await store.append('main:cli:long', long(2, 300_000))).toBe(2);
    expect(await store.append('main:cli:long', long(2, 300_000))).toBe(0);
    // A torn line after a long one is skipped, and the long one still counts.
    appendFileSync(store.fileFor('main:cli:long'), `{"turn":3,"role":"user","text":"${'z'.repeat(100_000)}`);
    expect(await store.append('main:cli:long', long(2, 300_000))).toBe(0);
    expect(await store.append('main:cli:long', long(3, 10))).toBe(2);
    expect((await store.read('main:cli:long'))!.map((e) => `${e.turn}${e.role}`)).toEqual([
      '1user',
      '1assistant',
      '2user',
      '2assistant',
      '3user',
      '3assistant',
    ]);
  });
});
