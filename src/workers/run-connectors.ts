import { join } from 'node:path';
import { NativeConnection, Worker } from '@temporalio/worker';
import { createConnectorActivities } from '../activities/deliver.js';
import type { ClawflowConfig } from '../config/load.js';
import { enabledChannels, streamingChannels } from '../config/channels.js';
import { connectorFiles, protectedStatePaths, runDir } from '../config/paths.js';
import { installSecret, redactorFor } from '../config/secrets.js';
import { Inbound, openDoorWarning } from '../connectors/inbound/inbound.js';
import { PairingStore } from '../connectors/inbound/pairing-store.js';
import { temporalSessionPort } from '../connectors/inbound/session-port.js';
import { SentLog } from '../connectors/outbound/sent-log.js';
import { transcriberFrom } from '../connectors/inbound/transcribe.js';
import { ReplyPreviews } from '../connectors/outbound/reply-previews.js';
import { startPreviewRelayIfFree } from '../connectors/outbound/preview-relay.js';
import type { Client } from '@temporalio/client';
import type { Logger } from '../logger.js';
import { connectClient } from '../temporal/connection.js';
import { temporalConnectionOptions } from '../temporal/connection-options.js';
import { taskQueues } from '../workflows/task-queues.js';
import { installTemporalRuntime } from './temporal-runtime.js';
import { commonWorkerOptions } from './worker-options.js';
import { resumeAfterUncleanStop } from './interrupted-steps.js';
import { claimRun } from './run-records.js';
import { agentForMessage, agentIds, agentProfile } from '../config/agents.js';
import { channelManifestList, type ChannelId } from '../channels/manifests.js';
import { NoticeBoard, type ChannelRuntime, type ConnectedChannel } from '../channels/plugin.js';
import { channelRuntimes } from '../channels/runtimes.js';
import { dataConverterFor } from '../temporal/data-converter.js';
import { writeConnectorReport } from '../connectors/connector-report.js';

export interface ConnectorSet {
  /** Each connected channel, with where it is (the bot's name, the WebChat URL). */
  channels: string[];
  done: Promise<void>;
  shutdown(): Promise<void>;
}

/** The channels the configuration turns on, each with its access policy, in the manifests' order. */
async function configuredChannels(config: ClawflowConfig, logger: Logger, client: Client, notices: NoticeBoard): Promise<ConnectedChannel[]> {
  const dir = connectorFiles(config.paths.home).dir;
  const channels: ConnectedChannel[] = [];
  for (const id of enabledChannels(config) as ChannelId[]) {
    const runtime = (await channelRuntimes[id]()) as ChannelRuntime<unknown>;
    channels.push(
      await runtime.connect(config.channels[id], {
        config,
        client,
        logger: logger.child({ channel: id }),
        file: (name) => join(dir, name),
        secret: (name) => installSecret(config.paths.home, name),
        notices,
      }),
    );
  }
  return channels;
}

/** The connector worker: holds the channel connections and runs `deliver`/`typing` on `clawflow-connector`. */
export async function startConnectors(config: ClawflowConfig, logger: Logger): Promise<ConnectorSet> {
  if (enabledChannels(config).length === 0) {
    const how = channelManifestList.map((channel) =>
      channel.env[0] ? `${channel.env[0].env} (${channel.title})` : `channels.${channel.id}.enabled (${channel.title})`,
    );
    throw new Error(`no channel is configured: set ${how.join(', ')}, or channels.* in the configuration file`);
  }
  installTemporalRuntime(logger);
  const files = connectorFiles(config.paths.home);
  // Where each agent's files are: what users send lands there, and the images it produced are sent from there.
  const workspaces = new Map(agentIds(config).map((id) => [id, agentProfile(config, id).workspaceDir]));
  const client = await connectClient(config);
  // What a channel needs its owner to act on (WhatsApp's QR code): shown on the WebChat page and in the console.
  const notices = new NoticeBoard();
  const channels = await configuredChannels(config, logger, client, notices);
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
    ? await startPreviewRelayIfFree({
        port: config.channels.previewPort,
        internalToken: installSecret(config.paths.home, 'internal-token'),
        logger,
        onDelta: (delta) => previews.delta(delta),
      })
    : null;

  const run = claimRun(runDir(config.paths));
  const connection = await NativeConnection.connect(temporalConnectionOptions(config));
  const worker = await Worker.create({
    connection,
    namespace: config.temporal.namespace,
    taskQueue: taskQueues.connector,
    dataConverter: dataConverterFor(config),
    activities: createConnectorActivities({
      adapters,
      enabled: enabledChannels(config),
      sentLog: new SentLog(files.sentLog),
      previews,
      workspaceDir: config.paths.workspaceDir,
      agentWorkspaces: workspaces,
      protectedPaths: protectedStatePaths(config.paths),
    }),
    ...commonWorkerOptions(redactorFor(config)),
    identity: run.identity,
  });
  const running = worker.run();
  resumeAfterUncleanStop(client, run.takeInterrupted(), { deliveryRetrySeconds: config.agent.retryForSeconds, logger });

  const writeStatus = (): void => {
    writeConnectorReport(
      config.paths.home,
      channels.map(({ adapter }) => adapter.status()),
      notices.current(),
    );
  };
  for (const { adapter, policy, ownerOnly } of channels) {
    const warning = openDoorWarning(adapter.channel, policy, ownerOnly, config.tools.exec.policy);
    if (warning) logger.warn(warning);
    await adapter.start((message) => inbound.handle(adapter, policy, message));
    logger.info({ channel: adapter.channel, status: adapter.status() }, 'channel connected');
  }
  writeStatus();
  // Every 2 s: the status file `clawflow status` reads, and senders the owner let in welcomed.
  const statusTimer = setInterval(() => {
    writeStatus();
    void inbound.welcomeAllApproved(channels);
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
