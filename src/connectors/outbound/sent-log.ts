import { appendFileSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { BoundedSet } from '../../contracts/bounded-set.js';

/**
 * The keys of message parts already sent, on disk: a retried `deliver` (after a crash, or a timeout whose send went
 * through) skips what was sent. Bounded: the newest `keep` keys are remembered.
 */
export class SentLog {
  private readonly keys: BoundedSet<string>;

  constructor(
    private readonly file: string,
    keep = 20_000,
  ) {
    mkdirSync(dirname(file), { recursive: true });
    let lines: string[] = [];
    try {
      lines = readFileSync(file, 'utf8').split('\n').filter(Boolean);
    } catch {
      // first run
    }
    this.keys = new BoundedSet(lines, keep);
  }

  has(key: string): boolean {
    return this.keys.has(key);
  }

  add(key: string): void {
    appendFileSync(this.file, `${key}\n`);
    this.keys.add(key);
  }
}
