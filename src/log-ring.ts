// The latest records of this process's log, kept in memory for the console's logs page.
import type { ConsoleLogLevel, ConsoleLogLine } from './contracts/console-feed.js';

const levels: Record<number, ConsoleLogLevel> = { 10: 'trace', 20: 'debug', 30: 'info', 40: 'warn', 50: 'error', 60: 'fatal' };
/** Fields every record has, shown in their own columns (or not at all). */
const shownApart = new Set(['level', 'severity', 'time', 'pid', 'hostname', 'name', 'msg', 'component', 'channel']);
const detailChars = 1500;
const messageChars = 2000;

const cut = (text: string, max: number): string => (text.length > max ? `${text.slice(0, max)}… (${text.length - max} more characters)` : text);

/**
 * The latest `capacity` records of the log, as pino writes them (one JSON line each, redacted already): the logger
 * writes every line here beside stderr, the console reads them.
 */
export class LogRing {
  readonly #lines: ConsoleLogLine[] = [];
  #written = 0;

  constructor(private readonly capacity: number) {}

  /** A line pino wrote (a stream's write): parsed into a record, the oldest dropped past the capacity. */
  write(line: string): void {
    let record: Record<string, unknown>;
    try {
      record = JSON.parse(line) as Record<string, unknown>;
    } catch {
      return;
    }
    this.#written += 1;
    const detail: Record<string, unknown> = {};
    for (const [name, value] of Object.entries(record)) if (!shownApart.has(name)) detail[name] = value;
    const channel = typeof record.channel === 'string' ? `channel ${record.channel}` : null;
    const component = typeof record.component === 'string' ? record.component : (channel ?? (typeof record.name === 'string' ? record.name : 'clawflow'));
    this.#lines.push({
      seq: this.#written,
      at: new Date(typeof record.time === 'number' ? record.time : Date.now()).toISOString(),
      level: levels[Number(record.level)] ?? 'info',
      component,
      message: cut(typeof record.msg === 'string' ? record.msg : '', messageChars),
      ...(Object.keys(detail).length ? { detail: cut(JSON.stringify(detail), detailChars) } : {}),
    });
    if (this.#lines.length > this.capacity) this.#lines.splice(0, this.#lines.length - this.capacity);
  }

  /** The records held after record `seq` (all of them for 0), oldest first, and how many were written before the first held. */
  since(seq: number): { lines: ConsoleLogLine[]; earlier: number } {
    const first = this.#written - this.#lines.length;
    return { lines: this.#lines.slice(Math.max(0, seq - first)), earlier: first };
  }
}

/** This process's log, as the console shows it: the latest 500 records. */
export const processLog = new LogRing(500);
