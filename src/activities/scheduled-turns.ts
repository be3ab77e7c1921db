import { CancelledFailure, Context } from '@temporalio/activity';
import { ScheduleNotFoundError, type Client } from '@temporalio/client';
import { describeError } from '../errors.js';
import type { ClawflowConfig } from '../config/load.js';
import { sendMessage, sessionHandle } from '../sessions/session-client.js';
import { statusQuery, type ReplyRoute } from '../workflows/messages.js';

export interface RunSessionTurnInput {
  sessionKey: string;
  messageId: string;
  text: string;
  sender: string;
}

export interface RunSessionTurnOutput {
  reply: string;
  error?: string;
  /** The channel the session last heard from, where a heartbeat's answer goes by default. */
  lastRoute?: ReplyRoute;
}

/** What scheduled turns (heartbeat, cron) need of Temporal: a turn in a session, and removing a one-shot schedule. */
export function createScheduledTurnActivities(client: Client, config: ClawflowConfig) {
  return {
    /** Runs a turn in a session (starting it if needed) and returns the reply; the message id makes retries safe. */
    async runSessionTurn({ sessionKey, messageId, text, sender }: RunSessionTurnInput): Promise<RunSessionTurnOutput> {
      let reply = '';
      let error: string | undefined;
      try {
        // The update waits for the turn; a cancelled activity (worker shutting down) stops waiting, the turn goes on.
        reply = (await Promise.race([sendMessage(client, config, sessionKey, { messageId, text, sender }), Context.current().cancelled])).text;
      } catch (failure) {
        if (failure instanceof CancelledFailure) throw failure;
        error = describeError(failure);
      }
      const status = await sessionHandle(client, config, sessionKey).query(statusQuery).catch(() => null);
      return { reply, ...(error ? { error } : {}), ...(status?.lastRoute ? { lastRoute: status.lastRoute } : {}) };
    },

    async deleteSchedule({ scheduleId }: { scheduleId: string }): Promise<void> {
      await client.schedule
        .getHandle(scheduleId)
        .delete()
        .catch((error: unknown) => {
          if (!(error instanceof ScheduleNotFoundError)) throw error;
        });
    },
  };
}
