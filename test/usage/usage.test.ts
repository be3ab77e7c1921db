import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { budgetStanding } from '../../src/usage/budget.js';
import { BudgetGate } from '../../src/usage/budget-gate.js';
import { costOf, priceOf } from '../../src/usage/pricing.js';
import { UsageLedger } from '../../src/usage/usage-ledger.js';

const ledgerFile = (): string => join(mkdtempSync(join(tmpdir(), 'clawflow-usage-')), 'usage', 'ledger.jsonl');
const turn = (sessionKey: string, n: number, at: string, tokens: [number, number], model = 'gpt-4o-mini') => ({
  sessionKey,
  turn: n,
  agent: sessionKey.split(':')[0]!,
  at,
  model,
  inputTokens: tokens[0],
  outputTokens: tokens[1],
});

describe('prices', () => {
  it('finds a model by its name, a router prefix, a Bedrock vendor prefix, or a dated version; the configured price wins', () => {
    expect(priceOf('gpt-4o-mini')).toMatchObject({ input: 0.15 });
    expect(priceOf('openai/gpt-4o-mini')).toMatchObject({ input: 0.15 });
    expect(priceOf('gpt-4o-2024-08-06')).toMatchObject({ input: 2.5 });
    expect(priceOf('anthropic.claude-sonnet-4-5-20250929-v1:0')).toMatchObject({ input: 3, output: 15 });
    expect(priceOf('gpt-4o-mini', { 'gpt-4o-mini': { input: 9, output: 9 } })).toEqual({ input: 9, output: 9 });
    expect(priceOf('my-local-model')).toBeNull();
  });

  it('prices cached input at its own rate', () => {
    expect(costOf({ inputTokens: 1_000_000, outputTokens: 1_000_000, cachedTokens: 500_000 }, { input: 2, output: 8, cachedInput: 0.5 })).toBeCloseTo(
      1 + 0.25 + 8,
    );
  });
});

describe('the usage ledger', () => {
  it('counts each turn once, by day in its time zone, and another process sees what one wrote', () => {
    const file = ledgerFile();
    const one = new UsageLedger(file, 'Europe/Berlin');
    one.record(turn('main:cli:a', 1, '2026-12-06T23:30:00Z', [1000, 500]));
    one.record(turn('main:cli:a', 1, '2026-12-06T23:30:00Z', [1000, 500]));
    one.record(turn('main:cli:a', 2, '2026-12-06T23:59:00Z', [10, 5], 'my-local-model'));
    const other = new UsageLedger(file, 'Europe/Berlin');
    other.record(turn('work:cli:b', 1, '2026-12-07T08:00:00Z', [100, 50]));
    // 23:30 UTC is already the 7th in Berlin (UTC+1 in December).
    expect(one.totals(null, '2026-12-07', '2026-12-07')).toMatchObject({ turns: 3, inputTokens: 1110, outputTokens: 555, unpriced: 1 });
    expect(one.totals('main', '2026-12-07', '2026-12-07').usd).toBeCloseTo((1000 * 0.15 + 500 * 0.6) / 1e6);
    expect(readFileSync(file, 'utf8').trim().split('\n')).toHaveLength(3);
    // A notice is given once across the ledger's readers.
    expect(one.firstNotice('spent:x', new Date())).toBe(true);
    expect(other.firstNotice('spent:x', new Date())).toBe(false);
  });
});

describe('budgets', () => {
  const config = (budget: Record<string, number>, agentBudget?: Record<string, number>) => ({
    budget: { warnAt: 80, ...budget },
    agents: { list: agentBudget ? [{ id: 'work', budget: { warnAt: 80, ...agentBudget } }] : [] },
  });

  it('is spent once a limit is reached, says which, when it resets and how to raise it; warns once past warnAt', () => {
    const ledger = new UsageLedger(ledgerFile(), 'UTC');
    const now = () => new Date('2026-12-07T15:00:00Z');
    const gate = new BudgetGate(ledger, config({ dailyTokens: 1000 }) as never, now);
    ledger.record(turn('main:cli:a', 1, '2026-12-07T10:00:00Z', [600, 250]));
    expect(gate.spent('main')).toBeNull();
    expect(gate.warnings('main')).toEqual(["Today's budget is 85% used: 850 tokens of 1,000 tokens."]);
    expect(gate.warnings('main')).toEqual([]);
    ledger.record(turn('main:cli:a', 2, '2026-12-07T11:00:00Z', [100, 60]));
    expect(gate.spent('main')).toBe(
      "Today's budget of 1,000 tokens is spent (1,010 tokens used); it resets at 2026-12-08 00:00 (UTC). Raise budget.dailyTokens in clawflow.json to go on before then.",
    );
    expect(gate.spentNotice('main')).toContain("Today's budget");
    expect(gate.spentNotice('main')).toBeNull();
    // Yesterday's use does not count today; this month's does.
    expect(
      budgetStanding(ledger, { limits: { warnAt: 80, monthlyTokens: 1000 }, agent: null, setting: 'budget' }, new Date('2026-12-20T00:00:00Z')).spent,
    ).toMatch(/^This month's budget of 1,000 tokens is spent .* it resets at 2027-01-01 00:00 \(UTC\)/);
  });

  it("holds an agent to its own budget as well as the install's", () => {
    const ledger = new UsageLedger(ledgerFile(), 'UTC');
    const gate = new BudgetGate(ledger, config({}, { dailyUsd: 0.001 }) as never, () => new Date('2026-12-07T15:00:00Z'));
    ledger.record(turn('work:cli:a', 1, '2026-12-07T10:00:00Z', [10_000, 0]));
    expect(gate.spent('work')).toMatch(/^Today's budget for agent work of \$0\.00 is spent .* Raise agents\.list\[work\]\.budget\.dailyUsd/);
    expect(gate.spent('main')).toBeNull();
  });
});
