import { agentIds } from '../config/agents.js';
import type { ClawflowConfig } from '../config/load.js';
import type { ConsoleUsage } from '../contracts/console-feed.js';
import { dayIn, type UsageLedger } from '../usage/usage-ledger.js';

/** How many days the usage page shows, today included. */
const shownDays = 30;

/** Each agent's tokens, turns and cost, day by day, over the last 30 days (days with nothing left out). */
export function consoleUsage(ledger: UsageLedger, config: ClawflowConfig, now = new Date()): ConsoleUsage {
  const today = dayIn(ledger.timeZone, now);
  const from = dayIn(ledger.timeZone, new Date(now.getTime() - (shownDays - 1) * 86_400_000));
  const agents = agentIds(config);
  return {
    timeZone: ledger.timeZone,
    agents,
    days: agents.flatMap((agent) => ledger.byDay(agent, from, today).flatMap((day) => (day.turns ? [{ ...day, agent }] : []))),
  };
}
