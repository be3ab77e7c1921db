import { NativeConnection, Worker } from '@temporalio/worker';
import { createConnectorActivities } from '../connectors/deliver-activities.js';
import type { ClawflowConfig } from '../config/load.js';
import { enabledChannels, streamingChannels } from '../config/channels.js';
import { connectorFiles, protectedStatePaths, runDir } from '../config/paths.js';
import { sessionKey } from '../contracts/session-key.js';
import { installSecret, redactorFor } from '../config/secrets.js';
import type { ChannelAdapter } from '../connectors/channel.js';
import { directAccess, everyoneOwns, groupAllowed, Inbound, type ChannelPolicy } from '../connectors/inbound.js';
import { PairingStore } from '../connectors/pairing-store.js';
import { temporalSessionPort } from '../connectors/session-port.js';
import { SentLog } from '../connectors/sent-log.js';
import { transcriberFrom } from '../connectors/transcribe.js';
import { ReplyPreviews } from '../connectors/reply-previews.js';
import { startPreviewRelay } from '../connectors/preview-relay.js';
import { describeSession, pendingApprovals } from '../sessions/session-client.js';
import type { Client } from '@temporalio/client';
import type { Logger } from '../logger.js';
import { connectClient } from '../temporal/connection.js';
import { temporalAddress } from '../temporal/address.js';
import { taskQueues } from '../workflows/task-queues.js';
import { installTemporalRuntime } from './temporal-runtime.js';
import { commonWorkerOptions } from './worker-options.js';
import { resumeAfterUncleanStop } from './interrupted-steps.js';
import { claimRun } from './run-records.js';
import { agentForMessage, agentIds, agentProfile } from '../config/agents.js';
import { dataConverterFor } from '../temporal/data-converter.js';
import { writeConnectorReport } from '../connectors/connector-report.js';

export interface ConnectorSet {
  /** Each connected channel, with where it is (the bot's name, the WebChat URL). */
  channels: string[];
  done: Promise<void>;
  shutdown(): Promise<void>;
}

/**
 * The channels the configuration turns on, each with its access policy. Each platform's library is loaded only when
 * its channel is on: discord.js, Baileys and Bolt together took a second of every start.
 */
async function configuredChannels(config: ClawflowConfig, logger: Logger, client: Client): Promise<Array<{ adapter: ChannelAdapter; policy: ChannelPolicy }>> {
  const channels: Array<{ adapter: ChannelAdapter; policy: ChannelPolicy }> = [];
  const telegram = config.channels.telegram;
  if (telegram.botToken) {
    const { TelegramAdapter } = await import('../connectors/telegram.js');
    channels.push({
      adapter: new TelegramAdapter({
        botToken: telegram.botToken,
        apiRoot: telegram.apiRoot,
        pollTimeoutSeconds: telegram.pollTimeoutSeconds,
        logger: logger.child({ channel: 'telegram' }),
      }),
      policy: telegram,
    });
  }
  const slack = config.channels.slack;
  if (slack.botToken) {
    const { SlackAdapter } = await import('../connectors/slack.js');
    channels.push({
      adapter: new SlackAdapter({
        botToken: slack.botToken,
        mode: slack.mode,
        ...(slack.appToken ? { appToken: slack.appToken } : {}),
        ...(slack.signingSecret ? { signingSecret: slack.signingSecret } : {}),
        httpPort: slack.httpPort,
        apiUrl: slack.apiUrl,
        logger: logger.child({ channel: 'slack' }),
      }),
      policy: slack,
    });
  }
  const discord = config.channels.discord;
  if (discord.botToken) {
    const { DiscordAdapter } = await import('../connectors/discord.js');
    channels.push({ adapter: new DiscordAdapter({ botToken: discord.botToken, apiUrl: discord.apiUrl, logger: logger.child({ channel: 'discord' }) }), policy: discord });
  }
  const signal = config.channels.signal;
  if (signal.account) {
    const { SignalAdapter } = await import('../connectors/signal.js');
    channels.push({
      adapter: new SignalAdapter({
        url: signal.url,
        account: signal.account,
        pollTimeoutSeconds: signal.pollTimeoutSeconds,
        spoolFile: connectorFiles(config.paths.home).signalSpool,
        logger: logger.child({ channel: 'signal' }),
      }),
      policy: signal,
    });
  }
  const matrix = config.channels.matrix;
  if (matrix.homeserverUrl && matrix.userId && matrix.accessToken) {
    const { MatrixAdapter } = await import('../connectors/matrix.js');
    channels.push({
      adapter: new MatrixAdapter({
        homeserverUrl: matrix.homeserverUrl,
        userId: matrix.userId,
        accessToken: matrix.accessToken,
        pollTimeoutSeconds: matrix.pollTimeoutSeconds,
        syncFile: connectorFiles(config.paths.home).matrixSync,
        // A direct chat the access rules let the inviter have (strangers too under pairing: they get their code there);
        // a room the agent may take part in.
        mayJoin: ({ roomId, inviter, direct }) => (direct ? directAccess(matrix, inviter) !== 'refused' : groupAllowed(matrix, roomId)),
        logger: logger.child({ channel: 'matrix' }),
      }),
      policy: matrix,
    });
  }
  const webchat = config.channels.webchat;
  const webChatSessionKey = (chat: string): string => sessionKey(agentForMessage(config, { channel: 'webchat', account: 'local', chatType: 'direct', peerId: chat }), 'webchat', chat);
  const webChatAdapter = webchat.enabled
    ? new (await import('../connectors/webchat.js')).WebChatAdapter({
        // Localhost only: whoever can open the page is the machine's user.
        host: '127.0.0.1',
        port: webchat.port,
        secret: installSecret(config.paths.home, 'webchat-token'),
        internalToken: installSecret(config.paths.home, 'internal-token'),
        allowedOrigins: webchat.allowedOrigins,
        allowedHosts: webchat.allowedHosts,
        logger: logger.child({ channel: 'webchat' }),
        conversation: async (chat) => {
          const view = await describeSession(client, config, webChatSessionKey(chat), { storedIfUnreachable: true });
          // The session knows a message by `webchat:<chat>:<the page's id>` (Inbound's form); the page by its own id.
          const ours = `webchat:${chat}:`;
          const unanswered = (view?.status?.unanswered ?? []).filter((m) => m.messageId.startsWith(ours)).map((m) => ({ id: m.messageId.slice(ours.length), text: m.text }));
          return { entries: view?.transcript ?? [], unanswered, approvals: view?.status?.pendingApprovals ?? [] };
        },
        approvals: (chat) => pendingApprovals(client, config, webChatSessionKey(chat)),
        maxUploadBytes: config.media.maxBytes,
      })
    : null;
  const whatsapp = config.channels.whatsapp;
  if (whatsapp.enabled) {
    const [{ WhatsAppAdapter }, { baileysSocketFactory }] = await Promise.all([import('../connectors/whatsapp.js'), import('../connectors/whatsapp-socket.js')]);
    const whatsappLogger = logger.child({ channel: 'whatsapp' });
    channels.push({
      adapter: new WhatsAppAdapter({
        authDir: connectorFiles(config.paths.home).whatsappAuth,
        spoolFile: connectorFiles(config.paths.home).whatsappSpool,
        socketFactory: baileysSocketFactory(whatsappLogger, whatsapp.webSocketUrl),
        readReceipts: whatsapp.readReceipts,
        logger: whatsappLogger,
        onQr: (qr) => {
          whatsappLogger.warn('WhatsApp is not linked: run `clawflow channels login whatsapp`, or scan the QR code on the WebChat page');
          if (webChatAdapter) void toQrSvg(qr).then((svg) => webChatAdapter.showNotice({ title: 'Link WhatsApp: WhatsApp → Linked devices → Link a device', svg }));
        },
        onLinked: () => webChatAdapter?.showNotice(null),
      }),
      policy: whatsapp,
    });
  }
  // Only the browser that opened the key-bearing link reaches the WebChat: whoever it is, it is the owner.
  if (webChatAdapter) {
    channels.push({
      adapter: webChatAdapter,
      policy: { dmPolicy: 'open', allowFrom: [], owners: [everyoneOwns], dmScope: 'per-peer', groupPolicy: 'disabled', groups: [], groupAllowFrom: [], requireMention: false },
    });
  }
  return channels;
}

async function toQrSvg(qr: string): Promise<string> {
  const { toString } = await import('qrcode');
  return toString(qr, { type: 'svg', margin: 1 });
}

function anyChannelConfigured(config: ClawflowConfig): boolean {
  return enabledChannels(config).length > 0;
}

/** The connector worker: holds the channel connections and runs `deliver`/`typing` on `clawflow-connector`. */
export async function startConnectors(config: ClawflowConfig, logger: Logger): Promise<ConnectorSet> {
  if (!anyChannelConfigured(config)) {
    throw new Error('no channel is configured: set CLAWFLOW_TELEGRAM_BOT_TOKEN, CLAWFLOW_SLACK_BOT_TOKEN or CLAWFLOW_SIGNAL_ACCOUNT (or channels.*), or channels.webchat.enabled');
  }
  installTemporalRuntime(logger);
  const files = connectorFiles(config.paths.home);
  // Where each agent's files are: what users send lands there, and the images it produced are sent from there.
  const workspaces = new Map(agentIds(config).map((id) => [id, agentProfile(config, id).workspaceDir]));
  const client = await connectClient(config);
  const channels = await configuredChannels(config, logger, client);
  let stopping = false;
  const inbound = new Inbound({
    sessions: temporalSessionPort(client, config),
    agentFor: (origin) => agentForMessage(config, origin),
    workspaceFor: (agentId) => workspaces.get(agentId) ?? config.paths.workspaceDir,
    pairing: new PairingStore(files.pairing, (message) => logger.warn(message)),
    rejectedLog: files.rejected,
    media: { transcribe: transcriberFrom(config.media.transcription), maxBytes: config.media.maxBytes, documentTextChars: config.media.documentTextChars },
    logger,
    stopping: () => stopping,
  });
  const adapters = new Map(channels.map(({ adapter }) => [adapter.channel, adapter]));
  // Replies shown as they are written, on the channels that can edit a message (streaming: "partial").
  const streaming = streamingChannels(config);
  const previews = new ReplyPreviews(adapters, streaming, files.previews, logger);
  const relay = streaming.length
    ? await startPreviewRelay({ port: config.channels.previewPort, internalToken: installSecret(config.paths.home, 'internal-token'), logger, onDelta: (delta) => previews.delta(delta) }).catch((error: Error) => {
        logger.warn({ err: error.message, port: config.channels.previewPort }, 'replies will not show as they are written: the preview port is taken (channels.previewPort)');
        return null;
      })
    : null;

  const run = claimRun(runDir(config.paths));
  const connection = await NativeConnection.connect({ address: temporalAddress(config) });
  const worker = await Worker.create({
    connection,
    namespace: config.temporal.namespace,
    taskQueue: taskQueues.connector,
    dataConverter: dataConverterFor(config),
    activities: createConnectorActivities({ adapters, enabled: enabledChannels(config), sentLog: new SentLog(files.sentLog), previews, workspaceDir: config.paths.workspaceDir, agentWorkspaces: workspaces, protectedPaths: protectedStatePaths(config.paths) }),
    ...commonWorkerOptions(redactorFor(config)),
    identity: run.identity,
  });
  const running = worker.run();
  resumeAfterUncleanStop(client, run.takeInterrupted(), { deliveryRetrySeconds: config.agent.retryForSeconds, logger });

  const writeStatus = (): void => {
    writeConnectorReport(config.paths.home, channels.map(({ adapter }) => adapter.status()));
  };
  for (const { adapter, policy } of channels) {
    // The person in a direct chat answers their own session's approvals: under "open", that is anyone.
    if (adapter.channel !== 'webchat' && policy.dmPolicy === 'open' && (config.tools.exec.policy === 'ask' || config.tools.exec.policy === 'full')) {
      logger.warn(`${adapter.channel}: dmPolicy is "open" and tools.exec.policy is "${config.tools.exec.policy}": anyone who writes to the bot can have commands run on this machine`);
    }
    await adapter.start((message) => inbound.handle(adapter, policy, message));
    logger.info({ channel: adapter.channel, status: adapter.status() }, 'channel connected');
  }
  writeStatus();
  // Senders the owner let in (`clawflow pairing approve`, another process) are told so, and answered, within seconds.
  let welcoming = false;
  const welcomeApproved = async (): Promise<void> => {
    if (welcoming || stopping) return;
    welcoming = true;
    try {
      for (const { adapter, policy } of channels) await inbound.welcomeApproved(adapter, policy);
    } catch (error) {
      logger.warn({ err: (error as Error).message }, 'could not welcome the senders approved for pairing; trying again shortly');
    } finally {
      welcoming = false;
    }
  };
  const statusTimer = setInterval(() => {
    writeStatus();
    void welcomeApproved();
  }, 2000);

  const done = running.then(async () => {
    run.release();
    clearInterval(statusTimer);
    await relay?.close();
    await connection.close();
    await client.connection.close();
  });
  return {
    channels: channels.map(({ adapter }) => `${adapter.channel} (${adapter.status().detail ?? adapter.status().state})`),
    done,
    shutdown: async () => {
      stopping = true;
      for (const { adapter } of channels) await adapter.stop();
      writeStatus();
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await done;
    },
  };
}
