import { join } from 'node:path';
import { ApplicationFailure, Context } from '@temporalio/activity';
import type { ChannelAdapter } from '../connectors/channel.js';
import { ChannelSendError } from '../connectors/send-error.js';
import type { SentLog } from '../connectors/sent-log.js';
import { splitMessage } from '../connectors/split-message.js';
import type { ReplyRoute } from '../workflows/messages.js';

export interface DeliverInput {
  route: ReplyRoute;
  text: string;
  /** Images the agent produced this turn, relative to its workspace (screenshots). */
  images?: string[];
  /** Workflow id and turn: a retried delivery sends none of the parts already sent. */
  idempotencyKey: string;
}

export interface ConnectorActivityDeps {
  adapters: ReadonlyMap<string, ChannelAdapter>;
  sentLog: SentLog;
  /** The agent's workspace on this machine, where the images it produced are. */
  workspaceDir: string;
}

/** The activities of the `clawflow-connector` task queue: they run where the channel connections are. */
export function createConnectorActivities({ adapters, sentLog, workspaceDir }: ConnectorActivityDeps) {
  const adapterFor = (route: ReplyRoute): ChannelAdapter => {
    const adapter = adapters.get(route.channel);
    // Another connector worker may hold that channel: let Temporal try again.
    if (!adapter) throw ApplicationFailure.retryable(`channel ${route.channel} is not connected on this connector worker`, 'ChannelNotConnected');
    return adapter;
  };
  return {
    /** Sends a reply, split at the platform's limit; parts already sent (by an earlier attempt) are skipped. */
    async deliver({ route, text, images = [], idempotencyKey }: DeliverInput): Promise<{ parts: number; skipped: number }> {
      const adapter = adapterFor(route);
      const sendImage = adapter.sendImage?.bind(adapter);
      // A channel that cannot take images gets their names, so the user knows where to look.
      const body = sendImage || images.length === 0 ? text : `${text}\n\n${images.map((image) => `(image saved in the workspace: ${image})`).join('\n')}`;
      const parts: Array<{ key: string; send: () => Promise<void> }> = [
        ...splitMessage(body, adapter.messageLimit).map((part, index, all) => ({ key: `${idempotencyKey}#${index + 1}/${all.length}`, send: () => adapter.send(route, part) })),
        ...(sendImage ? images.map((image, index) => ({ key: `${idempotencyKey}#image${index + 1}`, send: () => sendImage(route, join(workspaceDir, image)) })) : []),
      ];
      let skipped = 0;
      for (const [index, part] of parts.entries()) {
        if (sentLog.has(part.key)) {
          skipped += 1;
          continue;
        }
        try {
          await part.send();
        } catch (error) {
          if (error instanceof ChannelSendError) throw ApplicationFailure.create({ message: error.message, type: 'ChannelSendError', nonRetryable: !error.retryable });
          throw error;
        }
        sentLog.add(part.key);
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
