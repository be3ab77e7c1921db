import type { BudgetLimits } from '../config/sections/budget.js';
import { dayIn, type UsageLedger, type UsageTotals } from './usage-ledger.js';

/** A budget's scope: the whole install (`budget`), or one agent (`agents.list[].budget`). */
export interface BudgetScope {
  limits: BudgetLimits;
  /** The agent whose use counts; null: every agent's. */
  agent: string | null;
  /** Where the limits are set, to name in the message: `budget`, or `agents.list[<id>].budget`. */
  setting: string;
}

const tokensOf = (t: UsageTotals): number => t.inputTokens + t.outputTokens;
const amount = (limit: number, usd: boolean): string => (usd ? `$${limit.toFixed(2)}` : `${limit.toLocaleString('en-US')} tokens`);

/** The first day of the month after `day` (`YYYY-MM-DD`), and the day after `day`. */
function nextMonth(day: string): string {
  const [year, month] = day.split('-').map(Number) as [number, number];
  return month === 12 ? `${year + 1}-01-01` : `${year}-${String(month + 1).padStart(2, '0')}-01`;
}
function nextDay(day: string): string {
  const date = new Date(`${day}T12:00:00Z`);
  date.setUTCDate(date.getUTCDate() + 1);
  return date.toISOString().slice(0, 10);
}

/** Where each scope stands today and this month: used, and the first limit reached (null: none). */
export interface BudgetStanding {
  today: UsageTotals;
  month: UsageTotals;
  /** The message a turn answers with instead of calling the model; null while there is budget left. */
  spent: string | null;
  /** Limits past their warning level and not yet reached, with the period they belong to (`2026-12-07`, `2026-12`). */
  warnings: Array<{ period: string; message: string }>;
}

/** Where `scope` stands at `now`, from the ledger. */
export function budgetStanding(ledger: UsageLedger, scope: BudgetScope, now: Date): BudgetStanding {
  const today = dayIn(ledger.timeZone, now);
  const monthStart = `${today.slice(0, 7)}-01`;
  const used = { today: ledger.totals(scope.agent, today, today), month: ledger.totals(scope.agent, monthStart, today) };
  const checks = [
    { key: 'dailyTokens', limit: scope.limits.dailyTokens, value: tokensOf(used.today), daily: true, usd: false },
    { key: 'dailyUsd', limit: scope.limits.dailyUsd, value: used.today.usd, daily: true, usd: true },
    { key: 'monthlyTokens', limit: scope.limits.monthlyTokens, value: tokensOf(used.month), daily: false, usd: false },
    { key: 'monthlyUsd', limit: scope.limits.monthlyUsd, value: used.month.usd, daily: false, usd: true },
  ] as const;
  let spent: string | null = null;
  const warnings: BudgetStanding['warnings'] = [];
  for (const check of checks) {
    if (check.limit === undefined) continue;
    const period = check.daily ? "Today's" : "This month's";
    const resets = check.daily ? `${nextDay(today)} 00:00` : `${nextMonth(today)} 00:00`;
    const whose = scope.agent ? ` for agent ${scope.agent}` : '';
    if (check.value >= check.limit) {
      spent ??= `${period} budget${whose} of ${amount(check.limit, check.usd)} is spent (${amount(check.value, check.usd)} used); it resets at ${resets} (${ledger.timeZone}). Raise ${scope.setting}.${check.key} in clawflow.json to go on before then.`;
    } else if (check.value >= (check.limit * scope.limits.warnAt) / 100) {
      warnings.push({
        period: `${scope.setting}.${check.key}:${check.daily ? today : today.slice(0, 7)}`,
        message: `${period} budget${whose} is ${Math.floor((check.value / check.limit) * 100)}% used: ${amount(check.value, check.usd)} of ${amount(check.limit, check.usd)}.`,
      });
    }
  }
  return { ...used, spent, warnings };
}

/** Whether any limit is set. */
export function hasLimits(limits: BudgetLimits | undefined): boolean {
  return Boolean(limits && (limits.dailyTokens ?? limits.monthlyTokens ?? limits.dailyUsd ?? limits.monthlyUsd) !== undefined);
}

/** Where each limit of `scope` stands, in words: "today 45,000 of 100,000 tokens (45%)". */
export function budgetLines(ledger: UsageLedger, scope: BudgetScope, now: Date): string[] {
  const standing = budgetStanding(ledger, scope, now);
  const limits = [
    ['today', scope.limits.dailyTokens, tokensOf(standing.today), false],
    ['today', scope.limits.dailyUsd, standing.today.usd, true],
    ['this month', scope.limits.monthlyTokens, tokensOf(standing.month), false],
    ['this month', scope.limits.monthlyUsd, standing.month.usd, true],
  ] as const;
  return limits.flatMap(([when, limit, value, usd]) =>
    limit === undefined
      ? []
      : [`${when} ${usd ? `$${value.toFixed(2)}` : value.toLocaleString('en-US')} of ${amount(limit, usd)} (${Math.floor((value / limit) * 100)}%)`],
  );
}
