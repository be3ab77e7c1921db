import type { ClawflowConfig } from '../config/load.js';
import { budgetLines, budgetStanding, hasLimits, type BudgetScope } from './budget.js';
import { dayIn, type UsageLedger, type UsageTotals } from './usage-ledger.js';

/** The budgets with limits that `agent` is held to: the install's, and (an agent named) its own. */
export function budgetScopes(config: Pick<ClawflowConfig, 'budget' | 'agents'>, agent: string | null): BudgetScope[] {
  const own = agent ? config.agents.list.find((a) => a.id === agent)?.budget : undefined;
  return [
    { limits: config.budget, agent: null, setting: 'budget' },
    ...(own && agent ? [{ limits: own, agent, setting: `agents.list[${agent}].budget` }] : []),
  ].filter((scope) => hasLimits(scope.limits));
}

/**
 * The budgets a model call is held to: the install's (`budget`) and its agent's (`agents.list[].budget`), read from
 * the ledger before every call, so a restart never resets them.
 */
export class BudgetGate {
  constructor(
    private readonly ledger: UsageLedger,
    private readonly config: Pick<ClawflowConfig, 'budget' | 'agents'>,
    private readonly now: () => Date = () => new Date(),
  ) {}

  private scopes(agent: string): BudgetScope[] {
    return budgetScopes(this.config, agent);
  }

  /** Why `agent` may not call a model now (a budget it is held to is spent); null when it may. */
  spent(agent: string): string | null {
    for (const scope of this.scopes(agent)) {
      const { spent } = budgetStanding(this.ledger, scope, this.now());
      if (spent) return spent;
    }
    return null;
  }

  /** The spent budget's message the first time it is asked in its period (for the owner's main channel); null after. */
  spentNotice(agent: string): string | null {
    const message = this.spent(agent);
    if (!message) return null;
    // The message names the limit and when it resets: the same message is the same period.
    return this.ledger.firstNotice(`spent:${message.replace(/\(.*? used\)/, '')}`, this.now()) ? message : null;
  }

  /** Warnings (`warnAt` reached) not given yet, each once per period; marks them given. */
  warnings(agent: string): string[] {
    return this.scopes(agent).flatMap((scope) =>
      budgetStanding(this.ledger, scope, this.now())
        .warnings.filter((warning) => this.ledger.firstNotice(`warn:${warning.period}`, this.now()))
        .map((warning) => warning.message),
    );
  }

  /** What `/usage` says of the install's use (today, this month) and of the budgets `agent` is held to. */
  report(agent: string): string[] {
    const now = this.now();
    const today = dayIn(this.ledger.timeZone, now);
    const spentLine = (label: string, t: UsageTotals): string =>
      `${label}: ${t.turns} turn${t.turns === 1 ? '' : 's'}, ${(t.inputTokens + t.outputTokens).toLocaleString('en-US')} tokens, $${t.usd.toFixed(4)}${t.unpriced ? ` (+${t.unpriced} unpriced)` : ''}`;
    const scopes = this.scopes(agent);
    return [
      spentLine(`Today (${this.ledger.timeZone}, all agents)`, this.ledger.totals(null, today, today)),
      spentLine('This month', this.ledger.totals(null, `${today.slice(0, 7)}-01`, today)),
      ...(scopes.length
        ? scopes.map((scope) => `Budget${scope.agent ? ` of agent ${scope.agent}` : ''}: ${budgetLines(this.ledger, scope, now).join('; ')}`)
        : ['No budget set (budget.dailyTokens, monthlyTokens, dailyUsd, monthlyUsd).']),
    ];
  }
}
