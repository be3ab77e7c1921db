import { ApplicationFailure, Context } from '@temporalio/activity';
import type { ChannelAdapter } from '../connectors/channel.js';
import { ChannelSendError } from '../connectors/send-error.js';
import type { SentLog } from '../connectors/sent-log.js';
import { splitMessage } from '../connectors/split-message.js';
import type { ReplyRoute } from '../workflows/messages.js';

export interface DeliverInput {
  route: ReplyRoute;
  text: string;
  /** Workflow id and turn: a retried delivery sends none of the parts already sent. */
  idempotencyKey: string;
}

export interface ConnectorActivityDeps {
  adapters: ReadonlyMap<string, ChannelAdapter>;
  sentLog: SentLog;
}

/** The activities of the `clawflow-connector` task queue: they run where the channel connections are. */
export function createConnectorActivities({ adapters, sentLog }: ConnectorActivityDeps) {
  const adapterFor = (route: ReplyRoute): ChannelAdapter => {
    const adapter = adapters.get(route.channel);
    // Another connector worker may hold that channel: let Temporal try again.
    if (!adapter) throw ApplicationFailure.retryable(`channel ${route.channel} is not connected on this connector worker`, 'ChannelNotConnected');
    return adapter;
  };
  return {
    /** Sends a reply, split at the platform's limit; parts already sent (by an earlier attempt) are skipped. */
    async deliver({ route, text, idempotencyKey }: DeliverInput): Promise<{ parts: number; skipped: number }> {
      const adapter = adapterFor(route);
      const parts = splitMessage(text, adapter.messageLimit);
      let skipped = 0;
      for (const [index, part] of parts.entries()) {
        const key = `${idempotencyKey}#${index + 1}/${parts.length}`;
        if (sentLog.has(key)) {
          skipped += 1;
          continue;
        }
        try {
          await adapter.send(route, part);
        } catch (error) {
          if (error instanceof ChannelSendError) throw ApplicationFailure.create({ message: error.message, type: 'ChannelSendError', nonRetryable: !error.retryable });
          throw error;
        }
        sentLog.add(key);
        Context.current().heartbeat(index);
      }
      return { parts: parts.length, skipped };
    },

    /** Shows "typing…" in the chat while a turn runs (best effort). */
    async typing({ route }: { route: ReplyRoute }): Promise<void> {
      await adapterFor(route).typing(route);
    },
  };
}

export type ConnectorActivities = ReturnType<typeof createConnectorActivities>;
