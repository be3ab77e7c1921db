import { createReadStream } from 'node:fs';
import { appendFile, mkdir, open, readdir, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { transcriptEntrySchema, type TranscriptEntry } from '../workflows/messages.js';
import { parseSessionKey } from '../workflows/session-key.js';

const tailBytes = 64 * 1024;

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
  constructor(private readonly dir: string) {}

  fileFor(sessionKey: string): string {
    const key = parseSessionKey(sessionKey);
    return join(this.dir, key.agent, 'sessions', `${encodeURIComponent(`${key.channel}:${key.chat}`)}.jsonl`);
  }

  /** Appends the entries of turns not yet in the file. */
  async append(sessionKey: string, entries: readonly TranscriptEntry[]): Promise<number> {
    const file = this.fileFor(sessionKey);
    await mkdir(dirname(file), { recursive: true });
    const { lastTurn, tornLine } = await this.tail(file);
    const fresh = entries.filter((e) => e.turn > lastTurn);
    if (fresh.length === 0) return 0;
    const lines = fresh.map((e) => `${JSON.stringify(e)}\n`).join('');
    await appendFile(file, tornLine ? `\n${lines}` : lines, 'utf8');
    return fresh.length;
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

  /** The turn number of the last complete line, and whether the file ends in a line torn by a crash. */
  private async tail(file: string): Promise<{ lastTurn: number; tornLine: boolean }> {
    let handle;
    try {
      handle = await open(file, 'r');
    } catch {
      return { lastTurn: 0, tornLine: false };
    }
    try {
      const { size } = await handle.stat();
      const length = Math.min(size, tailBytes);
      const buffer = Buffer.alloc(length);
      await handle.read(buffer, 0, length, size - length);
      const text = buffer.toString('utf8');
      const tornLine = text.length > 0 && !text.endsWith('\n');
      const lines = text.split('\n').filter((l) => l.trim());
      for (let i = lines.length - 1; i >= 0; i -= 1) {
        // skips a torn last line and the partial first line of the tail
        const parsed = transcriptEntrySchema.safeParse(parseJson(lines[i]!));
        if (parsed.success) return { lastTurn: parsed.data.turn, tornLine };
      }
      return { lastTurn: 0, tornLine };
    } finally {
      await handle.close();
    }
  }
}
