import { mkdirSync, readFileSync } from 'node:fs';
import { appendFile, open } from 'node:fs/promises';
import { dirname } from 'node:path';
import { writeFileAtomic } from '../../fs/atomic-write.js';

type SpoolLine<T> = { add: string; value: T } | { done: string };

/**
 * Messages a platform handed over for good (it keeps no copy to send again), kept on disk until their session has
 * them: written (and synced) before anything is done with them, marked done once handed over, and handed over again
 * after a crash. The session drops a message it already has, so a crash between the two writes costs nothing.
 */
export class InboxSpool<T> {
  private readonly waiting = new Map<string, T>();
  private writes: Promise<void> = Promise.resolve();
  private tornEnd: boolean;

  constructor(private readonly file: string) {
    mkdirSync(dirname(file), { recursive: true });
    let text = '';
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      // first run
    }
    for (const line of text.split('\n')) {
      let entry: SpoolLine<T>;
      try {
        entry = JSON.parse(line) as SpoolLine<T>;
      } catch {
        continue; // empty, or the torn end of a write a crash cut short: its messages were never acknowledged
      }
      if ('add' in entry) this.waiting.set(entry.add, entry.value);
      else this.waiting.delete(entry.done);
    }
    // A torn end would swallow the next line written after it: the next write starts the file over with what waits.
    this.tornEnd = text !== '' && !text.endsWith('\n');
  }

  /** What was taken in and not yet handed over, oldest first. */
  pending(): Array<{ key: string; value: T }> {
    return [...this.waiting].map(([key, value]) => ({ key, value }));
  }

  /** Keeps these on disk (synced) before the caller does anything with them. */
  add(entries: Array<{ key: string; value: T }>): Promise<void> {
    if (!entries.length) return Promise.resolve();
    return this.inTurn(async () => {
      if (this.tornEnd) await this.rewrite();
      const handle = await open(this.file, 'a', 0o600);
      try {
        await handle.appendFile(entries.map(({ key, value }) => `${JSON.stringify({ add: key, value })}\n`).join(''));
        await handle.sync();
      } finally {
        await handle.close();
      }
      for (const { key, value } of entries) this.waiting.set(key, value);
    });
  }

  /** Its session has it. Once nothing waits, the file starts over empty. */
  done(key: string): Promise<void> {
    return this.inTurn(async () => {
      this.waiting.delete(key);
      if (this.waiting.size === 0 || this.tornEnd) await this.rewrite();
      else await appendFile(this.file, `${JSON.stringify({ done: key })}\n`);
    });
  }

  /**
   * One write at a time, in the order asked: a file started over while another write is under way would drop what
   * that one appended. A failed write fails its caller only.
   */
  private inTurn(write: () => Promise<void>): Promise<void> {
    const turn = this.writes.then(write);
    this.writes = turn.catch(() => undefined);
    return turn;
  }

  /** The file written anew (synced, atomically) with only what waits. */
  private async rewrite(): Promise<void> {
    await writeFileAtomic(
      this.file,
      this.pending()
        .map(({ key, value }) => `${JSON.stringify({ add: key, value })}\n`)
        .join(''),
      0o600,
    );
    this.tornEnd = false;
  }
}
