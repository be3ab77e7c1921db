import { ApplicationFailure, Context, log } from '@temporalio/activity';
import { ChannelSendError, type ChannelAdapter } from '../contracts/channel-adapter.js';
import { splitMessage } from './split-message.js';
import type { ConnectorActivities } from '../contracts/activities.js';
import type { ReplyRoute } from '../contracts/session-records.js';
import { whileHeartbeating } from '../temporal/heartbeat.js';
import { resolveInWorkspace } from '../tools/workspace-path.js';

/** The message parts already sent, kept where a retried delivery finds them (the connector's sent log). */
export interface SentParts {
  has(key: string): boolean;
  add(key: string): void;
}

/** Replies shown as they are written (the connector's previews): the message shown, edited into the reply. */
export interface ShownReplies {
  /** The platform id of the message shown for this reply, once its growing stopped; undefined when none was shown. */
  finish(idempotencyKey: string): Promise<string | undefined>;
  /** Every part of the reply is sent: the message shown is no longer needed on record. */
  delivered(idempotencyKey: string): void;
}

export interface ConnectorActivityDeps {
  adapters: ReadonlyMap<string, ChannelAdapter>;
  /** The channels the configuration turns on: one not among them cannot be delivered to by any connector. */
  enabled: readonly string[];
  sentLog: SentParts;
  /** Replies shown as they are written: their delivery edits the message shown into the final text. */
  previews?: ShownReplies;
  /** The default agent's workspace on this machine, where the images it produced are. */
  workspaceDir: string;
  /** Other agents' workspaces, by agent id. */
  agentWorkspaces?: ReadonlyMap<string, string>;
  /** ClawFlow's own files (secrets, configuration, channel logins…): never sent, even from inside a workspace. */
  protectedPaths: readonly string[];
}

/** The request id of an approval request's delivery (`session:<key>:approval:<id>`), or undefined for any other. */
export function approvalRequestIdOf(idempotencyKey: string): string | undefined {
  return /^session:(?:(?!:message:).)+:approval:([a-z0-9-]{6,36})$/.exec(idempotencyKey)?.[1];
}

/** The activities of the `clawflow-connector` task queue: they run where the channel connections are. */
export function createConnectorActivities({
  adapters,
  enabled,
  sentLog,
  previews,
  workspaceDir,
  agentWorkspaces,
  protectedPaths,
}: ConnectorActivityDeps): ConnectorActivities {
  const adapterFor = (route: ReplyRoute): ChannelAdapter => {
    const adapter = adapters.get(route.channel);
    if (!adapter && !enabled.includes(route.channel)) {
      // No retry can help: say so at once instead of retrying for half an hour.
      throw ApplicationFailure.nonRetryable(
        `channel "${route.channel}" is not configured here (configured: ${enabled.join(', ') || 'none'})`,
        'ChannelNotConfigured',
      );
    }
    // Another connector worker may hold that channel: let Temporal try again.
    if (!adapter) throw ApplicationFailure.retryable(`channel ${route.channel} is not connected on this connector worker`, 'ChannelNotConnected');
    return adapter;
  };
  return {
    async deliver({ route, text, images = [], agentId, idempotencyKey }) {
      const adapter = adapterFor(route);
      const sendImage = adapter.sendImage?.bind(adapter);
      // An image is a file of the agent's workspace, confined as the file tools confine paths (after every symbolic
      // link, never ClawFlow's own files): whoever wrote the path, nothing else leaves the machine.
      const workspace = (agentId && agentWorkspaces?.get(agentId)) || workspaceDir;
      const files: Array<{ image: string; file: string }> = [];
      const refused: string[] = [];
      for (const image of images) {
        try {
          files.push({ image, file: await resolveInWorkspace(workspace, image, protectedPaths) });
        } catch (error) {
          log.warn('Refused to send a file that is not in the workspace', { image, channel: route.channel, reason: (error as Error).message });
          refused.push(`(an image was not sent: ${(error as Error).message})`);
        }
      }
      // A channel that cannot take images gets their names, so the user knows where to look.
      const notes = [...(sendImage ? [] : files.map(({ image }) => `(image saved in the workspace: ${image})`)), ...refused];
      const body = notes.length ? `${text}\n\n${notes.join('\n')}` : text;
      // A reply shown as it was written is edited into its first part: one message, not two, whatever crashed meanwhile
      // (the preview's message stays on record until every part is sent).
      const shown = await previews?.finish(idempotencyKey);
      const edit = adapter.edit?.bind(adapter);
      const sendFirst = (part: string, key: string) => async (): Promise<void> => {
        if (!shown || !edit) return adapter.send(route, part, key);
        await edit(route, shown, part).catch(async (error: unknown) => {
          // The message shown is gone (deleted by the user): the reply is sent as a new one.
          if (error instanceof ChannelSendError && !error.retryable) return adapter.send(route, part, key);
          throw error;
        });
      };
      // A session's approval request (its key says so: only the session's approvals make such keys) is shown with
      // buttons where the channel has them.
      const approvalId = approvalRequestIdOf(idempotencyKey);
      const sendApproval = approvalId ? adapter.sendApproval?.bind(adapter) : undefined;
      const parts: Array<{ key: string; send: () => Promise<void> }> = [
        ...splitMessage(body, adapter.messageLimit).map((part, index, all) => {
          const key = `${idempotencyKey}#${index + 1}/${all.length}`;
          return {
            key,
            send:
              sendApproval && all.length === 1
                ? () => sendApproval(route, part, approvalId!)
                : index === 0
                  ? sendFirst(part, key)
                  : () => adapter.send(route, part, key),
          };
        }),
        ...(sendImage ? files.map(({ file }, index) => ({ key: `${idempotencyKey}#image${index + 1}`, send: () => sendImage(route, file) })) : []),
      ];
      let skipped = 0;
      // Heartbeats while sending: a connector that dies mid-delivery is replaced within the heartbeat timeout, and
      // the parts it already sent are not sent again.
      await whileHeartbeating(async () => {
        for (const part of parts) {
          if (sentLog.has(part.key)) {
            skipped += 1;
            continue;
          }
          try {
            await part.send();
          } catch (error) {
            if (error instanceof ChannelSendError)
              throw ApplicationFailure.create({ message: error.message, type: 'ChannelSendError', nonRetryable: !error.retryable });
            throw error;
          }
          sentLog.add(part.key);
        }
      });
      previews?.delivered(idempotencyKey);
      Context.current().metricMeter.createCounter('clawflow_deliveries', 'deliveries', 'Replies delivered to a chat').add(1, { channel: route.channel });
      return { parts: parts.length, skipped };
    },

    async typing({ route }) {
      await adapterFor(route).typing(route);
    },
  };
}
