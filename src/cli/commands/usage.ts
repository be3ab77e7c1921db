import { InvalidArgumentError, type Command } from 'commander';
import { agentIds } from '../../config/agents.js';
import { loadConfig } from '../../config/load.js';
import { usageLedgerFile } from '../../config/paths.js';
import { scheduleTimeZone } from '../../config/time-zone.js';
import { budgetStanding } from '../../usage/budget.js';
import { budgetScopes } from '../../usage/budget-gate.js';
import { dayIn, UsageLedger, type UsageTotals } from '../../usage/usage-ledger.js';
import { printJson, printTable } from '../output.js';

const positive = (value: string): number => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 3660) throw new InvalidArgumentError('a whole number of days, 1 to 3660');
  return n;
};

const dollars = (t: UsageTotals): string => `$${t.usd.toFixed(4)}${t.unpriced ? ` (+${t.unpriced} turn${t.unpriced === 1 ? '' : 's'} unpriced)` : ''}`;

export function registerUsage(program: Command): void {
  program
    .command('usage')
    .description('what the agents used and cost, day by day, and where they stand against their budgets')
    .option('--json', 'print JSON')
    .option('--agent <id>', 'one agent only')
    .option('--days <n>', 'how many days back (today included)', positive, 30)
    .action((options: { json?: boolean; agent?: string; days: number }) => {
      const config = loadConfig();
      if (options.agent && !agentIds(config).includes(options.agent))
        throw new Error(`No agent "${options.agent}": the agents are ${agentIds(config).join(', ')}.`);
      const ledger = new UsageLedger(usageLedgerFile(config.paths), scheduleTimeZone(config), config.model.pricing);
      const now = new Date();
      const today = dayIn(ledger.timeZone, now);
      const from = dayIn(ledger.timeZone, new Date(now.getTime() - (options.days - 1) * 86_400_000));
      const agent = options.agent ?? null;
      const days = ledger.byDay(agent, from, today);
      const month = ledger.totals(agent, `${today.slice(0, 7)}-01`, today);
      const budgets = budgetScopes(config, agent).map((scope) => ({
        setting: scope.setting,
        limits: scope.limits,
        spent: budgetStanding(ledger, scope, now).spent,
      }));
      if (options.json) {
        printJson({ timeZone: ledger.timeZone, agent, days, today: ledger.totals(agent, today, today), month, budgets });
        return;
      }
      process.stdout.write(`Usage${agent ? ` of agent ${agent}` : ''}, days in ${ledger.timeZone}:\n`);
      printTable(
        days.map((d) => ({ day: d.day, turns: d.turns, input: d.inputTokens, output: d.outputTokens, cost: dollars(d) })),
        `  nothing in the last ${options.days} day(s)`,
      );
      process.stdout.write(`This month: ${month.turns} turn(s), ${month.inputTokens + month.outputTokens} tokens, ${dollars(month)}\n`);
      for (const budget of budgets)
        process.stdout.write(budget.spent ? `Over budget: ${budget.spent}\n` : `Within ${budget.setting}: ${JSON.stringify(budget.limits)}\n`);
      if (!budgets.length) process.stdout.write('No budget set (budget.dailyTokens, monthlyTokens, dailyUsd, monthlyUsd in clawflow.json).\n');
    });
}
