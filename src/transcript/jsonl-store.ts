import { createReadStream } from 'node:fs';
import { appendFile, mkdir, open, readdir, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { transcriptEntrySchema, type TranscriptEntry } from '../contracts/session-records.js';
import { parseSessionKey } from '../contracts/session-key.js';

/** The end of a file read first to find its last line (most lines are shorter), then earlier chunks of `tailBytes`. */
const firstTailBytes = 4 * 1024;
const tailBytes = 64 * 1024;
/** How many files' ends an append remembers. */
const rememberedFiles = 1024;

function parseJson(line: string): unknown {
  try {
    return JSON.parse(line);
  } catch {
    return undefined;
  }
}

/**
 * Session transcripts as JSONL files, OpenClaw's layout: `<dir>/<agent>/sessions/<channel>:<chat>.jsonl`
 * (the file name URI-encoded). Appends are idempotent per turn, so a retried activity never writes a turn twice.
 */
export class JsonlTranscriptStore {
  /**
   * Where this process last left each file it appended to: its size then and the last turn in it. A file still that
   * size holds nothing newer, so the next append skips reading its end (five system calls a turn); any other size
   * (another writer, a torn write) reads it again. The most recent files only.
   */
  private readonly ends = new Map<string, { size: number; lastTurn: number }>();

  constructor(private readonly dir: string) {}

  fileFor(sessionKey: string): string {
    const key = parseSessionKey(sessionKey);
    return join(this.dir, key.agent, 'sessions', `${encodeURIComponent(`${key.channel}:${key.chat}`)}.jsonl`);
  }

  /** Appends the entries of turns not yet in the file. */
  async append(sessionKey: string, entries: readonly TranscriptEntry[]): Promise<number> {
    const file = this.fileFor(sessionKey);
    let end = await this.end(file);
    const fresh = entries.filter((e) => e.turn > end.lastTurn);
    if (fresh.length > 0) {
      const lines = fresh.map((e) => `${JSON.stringify(e)}\n`).join('');
      const text = end.tornLine ? `\n${lines}` : lines;
      await appendFile(file, text, 'utf8');
      end = { size: end.size + Buffer.byteLength(text), lastTurn: fresh.at(-1)!.turn, tornLine: false };
    }
    // A torn end this append did not mend (it had nothing new to write) is read from the file again next time.
    if (!end.tornLine) this.ends.set(file, { size: end.size, lastTurn: end.lastTurn });
    if (this.ends.size > rememberedFiles) this.ends.delete(this.ends.keys().next().value as string);
    return fresh.length;
  }

  /** Where a file ends: as this process left it if it is still that size, else read from the file itself. */
  private async end(file: string): Promise<{ lastTurn: number; tornLine: boolean; size: number }> {
    const known = this.ends.get(file);
    // Forgotten until the append is done: a failed one leaves nothing to trust, and the file moves to the newest.
    this.ends.delete(file);
    if (
      known &&
      (await stat(file).then(
        (info) => info.size,
        () => -1,
      )) === known.size
    )
      return { ...known, tornLine: false };
    await mkdir(dirname(file), { recursive: true });
    return this.tail(file);
  }

  async read(sessionKey: string): Promise<TranscriptEntry[] | null> {
    const file = this.fileFor(sessionKey);
    try {
      await stat(file);
    } catch {
      return null;
    }
    const entries: TranscriptEntry[] = [];
    const lines = createInterface({ input: createReadStream(file, 'utf8'), crlfDelay: Infinity });
    for await (const line of lines) {
      if (!line.trim()) continue;
      const parsed = transcriptEntrySchema.safeParse(parseJson(line));
      if (parsed.success) entries.push(parsed.data);
    }
    return entries;
  }

  /** Session keys with a transcript, for one agent or all. */
  async sessionKeys(): Promise<string[]> {
    const keys: string[] = [];
    const agents = await readdir(this.dir).catch(() => [] as string[]);
    for (const agent of agents) {
      const files = await readdir(join(this.dir, agent, 'sessions')).catch(() => [] as string[]);
      for (const file of files) if (file.endsWith('.jsonl')) keys.push(`${agent}:${decodeURIComponent(file.slice(0, -6))}`);
    }
    return keys;
  }

  /**
   * The turn number of the last complete line, and whether the file ends in a line torn by a crash. Reads backwards in
   * chunks until a whole line that parses has been seen, however long it is (a 70,000-character answer included).
   */
  private async tail(file: string): Promise<{ lastTurn: number; tornLine: boolean; size: number }> {
    let handle;
    try {
      handle = await open(file, 'r');
    } catch {
      return { lastTurn: 0, tornLine: false, size: 0 };
    }
    try {
      const { size } = await handle.stat();
      let buffer = Buffer.alloc(0);
      /** The file offset `buffer` starts at: it holds [start, size). */
      let start = size;
      const readMore = async (): Promise<boolean> => {
        if (start === 0) return false;
        const length = Math.min(start === size ? firstTailBytes : tailBytes, start);
        const chunk = Buffer.alloc(length);
        await handle.read(chunk, 0, length, start - length);
        buffer = Buffer.concat([chunk, buffer]);
        start -= length;
        return true;
      };
      /** The newline at or before the file offset `before` (exclusive of anything after it), or -1 for the file's start. */
      const newlineBefore = async (before: number): Promise<number | null> => {
        for (;;) {
          const index = before - start < 0 ? -1 : buffer.lastIndexOf(0x0a, before - start);
          if (index !== -1) return start + index;
          if (!(await readMore())) return start === 0 ? -1 : null;
        }
      };
      if (size === 0) return { lastTurn: 0, tornLine: false, size };
      await readMore();
      const tornLine = buffer[buffer.length - 1] !== 0x0a;
      // Complete lines end at a newline; the newest one ends at the last newline of the file.
      let lineEnd = await newlineBefore(size - 1);
      while (lineEnd !== null && lineEnd >= 0) {
        const lineStart = (await newlineBefore(lineEnd - 1)) ?? -1;
        const line = buffer.subarray(lineStart + 1 - start, lineEnd - start).toString('utf8');
        const parsed = line.trim() ? transcriptEntrySchema.safeParse(parseJson(line)) : null;
        if (parsed?.success) return { lastTurn: parsed.data.turn, tornLine, size };
        lineEnd = lineStart;
      }
      return { lastTurn: 0, tornLine, size };
    } finally {
      await handle.close();
    }
  }
}
