import { CancelledFailure, Context } from '@temporalio/activity';
import type { RunSessionTurnInput, ScheduleActivities } from '../contracts/activities.js';
import type { ReplyRoute } from '../contracts/session-records.js';
import { describeError } from '../errors.js';
import { mainSessionKey, parseSessionKey } from '../contracts/session-key.js';
import type { BudgetGate } from '../usage/budget-gate.js';
import { whileHeartbeating } from '../temporal/heartbeat.js';

/** What scheduled turns need of the sessions and schedules; the workers pass the Temporal client's side of them. */
export interface ScheduleActivityDeps {
  /** A turn in a session, started if needed (update-with-start): resolves with its reply, throws with why not. */
  sendMessage(sessionKey: string, message: Omit<RunSessionTurnInput, 'sessionKey'>): Promise<{ text: string }>;
  /** The channel the session last heard from, if any. */
  lastRoute(sessionKey: string): Promise<ReplyRoute | undefined>;
  /** Removes a schedule; one already gone is no error. */
  deleteSchedule(scheduleId: string): Promise<void>;
  /** The budgets the agents are held to: a heartbeat or cron turn is skipped while one is spent. */
  budget?: Pick<BudgetGate, 'spent' | 'spentNotice'>;
}

/** What scheduled turns (heartbeat, cron) need: a turn in a session, and removing a one-shot schedule. */
export function createScheduleActivities(deps: ScheduleActivityDeps): ScheduleActivities {
  return {
    /** Runs a turn in a session (starting it if needed) and returns the reply; the message id makes retries safe. */
    async runSessionTurn({ sessionKey, messageId, text, sender, fromAgentOwner }) {
      // Over budget, a scheduled turn is not run: the first one of the period tells the owner (its answer goes to their
      // channel), the rest are skipped quietly.
      const agent = parseSessionKey(sessionKey).agent;
      if (deps.budget?.spent(agent)) {
        const notice = deps.budget.spentNotice(agent);
        const lastRoute = await deps.lastRoute(mainSessionKey(agent)).catch(() => undefined);
        if (notice) return { reply: `The scheduled turn "${sender}" was skipped: ${notice}`, ...(lastRoute ? { lastRoute } : {}) };
        return { reply: '', error: `skipped: ${deps.budget.spent(agent) ?? 'over budget'}` };
      }
      let reply = '';
      let error: string | undefined;
      try {
        // The update waits for the turn; a cancelled activity (worker shutting down) stops waiting, the turn goes on.
        reply = (
          await whileHeartbeating(() =>
            Promise.race([
              deps.sendMessage(sessionKey, { messageId, text, sender, ...(fromAgentOwner ? { fromAgentOwner } : {}) }),
              Context.current().cancelled,
            ]),
          )
        ).text;
      } catch (failure) {
        if (failure instanceof CancelledFailure) throw failure;
        error = describeError(failure);
      }
      const lastRoute = await deps.lastRoute(sessionKey).catch(() => undefined);
      return { reply, ...(error ? { error } : {}), ...(lastRoute ? { lastRoute } : {}) };
    },

    async deleteSchedule({ scheduleId }) {
      await deps.deleteSchedule(scheduleId);
    },
  };
}
