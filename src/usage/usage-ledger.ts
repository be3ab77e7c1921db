import { appendFileSync, closeSync, fstatSync, mkdirSync, openSync, readSync } from 'node:fs';
import { dirname } from 'node:path';
import { z } from 'zod';
import { BoundedSet } from '../contracts/bounded-set.js';
import type { ModelPrice } from '../config/sections/budget.js';
import { costOf, priceOf } from './pricing.js';

/** One answered turn's model use, as the ledger keeps it (a line of JSON). */
const usageLineSchema = z.object({
  /** `<session key>#<turn>`: a turn is counted once, however often its transcript write is retried. */
  key: z.string(),
  at: z.string(),
  /** The day and month in the ledger's time zone when it was answered. */
  day: z.string(),
  agent: z.string(),
  model: z.string().optional(),
  inputTokens: z.number(),
  outputTokens: z.number(),
  /** Of the input, read from the provider's prompt cache. */
  cachedTokens: z.number().optional(),
  /** What it cost by the prices known then; null for a model without a price. */
  usd: z.number().nullable(),
});
export type UsageLine = z.infer<typeof usageLineSchema>;
/** A notice given to the owner (a budget spent or nearly), by its key: each is given once. */
const noticeLineSchema = z.object({ notice: z.string(), at: z.string() }).strict();

/** Use summed over turns. `unpriced`: turns of models without a price, whose cost is not in `usd`. */
export interface UsageTotals {
  turns: number;
  inputTokens: number;
  outputTokens: number;
  usd: number;
  unpriced: number;
}

export const noUsage = (): UsageTotals => ({ turns: 0, inputTokens: 0, outputTokens: 0, usd: 0, unpriced: 0 });

/** Adds one answered turn's use to `totals`. */
export function addUsage(totals: UsageTotals, line: Pick<UsageLine, 'inputTokens' | 'outputTokens' | 'usd'>): void {
  totals.turns += 1;
  totals.inputTokens += line.inputTokens;
  totals.outputTokens += line.outputTokens;
  if (line.usd === null) totals.unpriced += 1;
  else totals.usd += line.usd;
}

/** `YYYY-MM-DD` of an instant in a time zone. */
export function dayIn(timeZone: string, at: Date): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(at);
}

/**
 * What the agents used, turn by turn, in an append-only file of the state dir (`<home>/usage/ledger.jsonl`), summed
 * by day and agent in memory. Written where transcripts are written (from the same record of each answer, which
 * Temporal's history holds), read before every model call; a restart reads the file again, so nothing resets a
 * budget but the calendar. Other processes of the install append to the same file: each read takes in what they
 * added since.
 */
export class UsageLedger {
  /** Totals by day, then by agent. */
  private readonly days = new Map<string, Map<string, UsageTotals>>();
  private readonly counted = new BoundedSet<string>([], 100_000);
  private readonly told = new Set<string>();
  private offset = 0;
  private partial = '';

  constructor(
    private readonly file: string,
    readonly timeZone: string,
    private readonly prices: Readonly<Record<string, ModelPrice>> = {},
  ) {
    mkdirSync(dirname(file), { recursive: true });
  }

  /** Takes in what was appended to the file since the last read (by this process or another). */
  private catchUp(): void {
    let fd: number;
    try {
      fd = openSync(this.file, 'r');
    } catch {
      return; // nothing recorded yet
    }
    try {
      const size = fstatSync(fd).size;
      if (size <= this.offset) return;
      const buffer = Buffer.alloc(size - this.offset);
      readSync(fd, buffer, 0, buffer.length, this.offset);
      this.offset = size;
      const lines = (this.partial + buffer.toString('utf8')).split('\n');
      this.partial = lines.pop() ?? '';
      for (const text of lines) {
        const value: unknown = text ? JSON.parse(text) : null;
        const notice = noticeLineSchema.safeParse(value);
        if (notice.success) this.told.add(notice.data.notice);
        const parsed = usageLineSchema.safeParse(value);
        if (parsed.success) this.count(parsed.data);
      }
    } finally {
      closeSync(fd);
    }
  }

  private count(line: UsageLine): void {
    if (this.counted.has(line.key)) return;
    this.counted.add(line.key);
    const agents = this.days.get(line.day) ?? new Map<string, UsageTotals>();
    this.days.set(line.day, agents);
    const totals = agents.get(line.agent) ?? noUsage();
    agents.set(line.agent, totals);
    addUsage(totals, line);
  }

  /** Counts one answered turn (once: a repeat of its key is ignored). */
  record(entry: {
    sessionKey: string;
    turn: number;
    agent: string;
    at: string;
    model?: string | undefined;
    inputTokens: number;
    outputTokens: number;
    cachedTokens?: number | undefined;
  }): void {
    this.catchUp();
    const key = `${entry.sessionKey}#${entry.turn}`;
    if (this.counted.has(key)) return;
    const price = entry.model ? priceOf(entry.model, this.prices) : null;
    const line: UsageLine = {
      key,
      at: entry.at,
      day: dayIn(this.timeZone, new Date(entry.at)),
      agent: entry.agent,
      ...(entry.model ? { model: entry.model } : {}),
      inputTokens: entry.inputTokens,
      outputTokens: entry.outputTokens,
      ...(entry.cachedTokens ? { cachedTokens: entry.cachedTokens } : {}),
      usd: price ? costOf({ ...entry, cachedTokens: entry.cachedTokens ?? 0 }, price) : null,
    };
    appendFileSync(this.file, `${JSON.stringify(line)}\n`);
    // Counted now; the next read meets the line again (after what others appended meanwhile) and skips its key.
    this.count(line);
  }

  /** Whether the notice `key` was not given yet; if so, notes it as given (once across the install's processes, as far as a shared file allows). */
  firstNotice(key: string, at: Date): boolean {
    this.catchUp();
    if (this.told.has(key)) return false;
    appendFileSync(this.file, `${JSON.stringify({ notice: key, at: at.toISOString() })}\n`);
    this.told.add(key);
    return true;
  }

  /** Use from day `from` through day `to` (inclusive, `YYYY-MM-DD`), of one agent or (null) of all. */
  totals(agent: string | null, from: string, to: string): UsageTotals {
    this.catchUp();
    const sum = noUsage();
    for (const [day, agents] of this.days) {
      if (day < from || day > to) continue;
      for (const [id, totals] of agents) {
        if (agent !== null && id !== agent) continue;
        sum.turns += totals.turns;
        sum.inputTokens += totals.inputTokens;
        sum.outputTokens += totals.outputTokens;
        sum.usd += totals.usd;
        sum.unpriced += totals.unpriced;
      }
    }
    return sum;
  }

  /** Each day's use from `from` through `to`, oldest first (days without use left out). */
  byDay(agent: string | null, from: string, to: string): Array<{ day: string } & UsageTotals> {
    this.catchUp();
    return [...this.days.keys()]
      .filter((day) => day >= from && day <= to)
      .sort()
      .map((day) => ({ day, ...this.totals(agent, day, day) }));
  }
}
