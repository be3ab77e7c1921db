import { Connection } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import { createAgentActivities } from '../activities/invoke-agent.js';
import { createRecordingAgentActivities } from '../activities/invoke-and-record.js';
import { createMemoryActivities } from '../activities/agentcore-memory.js';
import { createScheduleActivities } from '../activities/scheduled-turns.js';
import { createToolActivities } from '../activities/tools.js';
import { createTranscriptActivities } from '../activities/transcript.js';
import { createSealActivities } from '../activities/carried-seal.js';
import { deleteSchedule, ScheduleClient } from '../schedules/schedule-client.js';
import { sendMessage, sessionHandle } from '../session-client/session-client.js';
import { statusQuery } from '../workflows/messages.js';
import { transportFromConfig, type RuntimeLocation } from '../agent/transport/index.js';
import { replyDeltaSink } from '../activities/reply-delta-sink.js';
import { streamingChannels } from '../config/channels.js';
import type { ClawflowConfig } from '../config/load.js';
import { approvalAuditFile, mcpServersDir, protectedStatePaths, runDir, usageLedgerFile } from '../config/paths.js';
import { installSecret, redactorFor } from '../config/secrets.js';
import { sessionCacheSize } from '../config/session-cache.js';
import type { Logger } from '../logger.js';
import { connectClient, ensureSearchAttributes } from '../temporal/connection.js';
import { temporalConnectionOptions } from '../temporal/connection-options.js';
import { JsonlTranscriptStore } from '../transcript/jsonl-store.js';
import { taskQueues } from '../workflows/task-queues.js';
import { installTemporalRuntime } from './temporal-runtime.js';
import { startQueueGauges } from './queue-gauges.js';
import { commonWorkerOptions } from './worker-options.js';
import { withoutWorkflowStackTraces } from './workflow-stack-traces.js';
import { loadWorkflowBundle } from './workflow-bundle.js';
import { workerRoles, type WorkerRole } from './worker-roles.js';
import { resumeAfterUncleanStop } from './interrupted-steps.js';
import { claimRun } from './run-records.js';
import { BrowserPool, browserPolicy, findChromium } from '../tools/browser-pool.js';
import { resolveExecSandbox, type SandboxChoice } from '../tools/exec-sandbox.js';
import { agentIds, agentProfile, defaultAgentId } from '../config/agents.js';
import { ImageLinks } from '../tools/image-links.js';
import { startImageServer } from '../tools/image-server.js';
import { dataConverterFor } from '../temporal/data-converter.js';
import { scheduleTimeZone } from '../config/time-zone.js';
import { BudgetGate } from '../usage/budget-gate.js';
import { UsageLedger } from '../usage/usage-ledger.js';
import { deploymentOptions, sessionsVersioning, settleSessionsBuild } from './sessions-build.js';
import { createApprovalAuditActivities } from '../activities/approval-audit.js';
import { createToolsHostActivities } from '../activities/tools-host-presence.js';

export interface WorkerSet {
  /** Resolves when every worker has stopped. */
  done: Promise<void>;
  shutdown(): Promise<void>;
  /** How the tools worker runs the default agent's commands (null: this process runs no tools worker). */
  commands: SandboxChoice | null;
}

/**
 * Starts the session (workflow), agent and tools (activity) workers — or only the `roles` asked for; the only place
 * where real dependencies are wired.
 */
export async function startWorkers(
  config: ClawflowConfig,
  runtime: RuntimeLocation,
  logger: Logger,
  roles: readonly WorkerRole[] = workerRoles,
): Promise<WorkerSet> {
  const serves = (role: WorkerRole): boolean => roles.includes(role);
  installTemporalRuntime(logger, config.metrics.port);
  const server = temporalConnectionOptions(config);
  const namespace = config.temporal.namespace;

  const admin = await Connection.connect(server);
  try {
    const added = await ensureSearchAttributes(admin, namespace);
    if (added.length) logger.info({ added }, 'registered search attributes');
  } finally {
    await admin.close();
  }

  // The tools host serves the images users sent to the runtime, by signed link; without it a model is only told they came.
  const imageKey = installSecret(config.paths.home, 'image-link-key');
  const images =
    config.model.vision && serves('tools')
      ? await startImageServer({
          host: '127.0.0.1',
          port: config.media.imagePort,
          workspaceDir: config.paths.workspaceDir,
          key: imageKey,
          maxBytes: config.media.maxBytes,
          protectedPaths: protectedStatePaths(config.paths),
          allowedHosts: config.media.imageBaseUrl ? [new URL(config.media.imageBaseUrl).host] : [],
          logger: logger.child({ component: 'images' }),
        }).catch((error: Error) => {
          logger.warn(
            { err: error.message, port: config.media.imagePort },
            'the model will not see images: the image server could not start (media.imagePort)',
          );
          return null;
        })
      : null;
  // A process without the tools role reaches the tools host's image server where media.imageBaseUrl says it is.
  const imageBaseUrl = config.media.imageBaseUrl ?? images?.url;
  const imageLinks = config.model.vision && imageBaseUrl ? new ImageLinks(imageBaseUrl, imageKey) : null;

  const run = claimRun(runDir(config.paths));
  // With an OTLP endpoint, every activity continues the trace of the message it serves (carried by the workflow).
  const tracing = config.tracing.otlpEndpoint ? await import('../telemetry/tracing.js') : null;
  tracing?.startTracing(config.tracing.otlpEndpoint);
  const base = commonWorkerOptions(redactorFor(config));
  // Every worker reads and writes payloads the same way as the clients: encrypted unless history.encrypt is off.
  const common = {
    ...base,
    ...(tracing ? { interceptors: { activity: [...tracing.tracingActivityInterceptors(), ...(base.interceptors?.activity ?? [])] } } : {}),
    identity: run.identity,
    dataConverter: dataConverterFor(config),
  };
  const connection = await NativeConnection.connect(server);
  // Scheduled turns reach sessions through the client, as any caller does.
  const client = await connectClient(config);
  const workers: Worker[] = [];
  // What the agents used, turn by turn (written with the transcripts), and the budgets every model call is held to.
  const ledger = serves('sessions') || serves('agent') ? new UsageLedger(usageLedgerFile(config.paths), scheduleTimeZone(config), config.model.pricing) : null;
  const budget = ledger ? new BudgetGate(ledger, config) : undefined;
  // The runtime's callers: the session worker's own (agent.callsInWorker) and the agent task queue's.
  const agentActivities =
    serves('sessions') || serves('agent')
      ? createAgentActivities({
          transport: transportFromConfig(config, runtime),
          deltas: replyDeltaSink({
            webChatUrl: config.channels.webchat.enabled ? `http://127.0.0.1:${config.channels.webchat.port}` : null,
            previewUrl: `http://127.0.0.1:${config.channels.previewPort}`,
            streaming: streamingChannels(config),
            apiUrl: config.api.enabled ? `http://127.0.0.1:${config.api.port}` : null,
            internalToken: installSecret(config.paths.home, 'internal-token'),
          }),
          imageLinks,
          agentModel: (agentId) => config.agents.list.find((agent) => agent.id === agentId)?.model,
          ...(budget ? { budget } : {}),
        })
      : null;
  const browsers = serves('tools')
    ? new BrowserPool(findChromium(config.tools.browser.executablePath), config.tools.browser.idleSeconds * 1000, browserPolicy(config))
    : null;
  // MCP servers run beside the tools (stdio ones as children of this process), started when first needed; the SDK is
  // loaded only when some are configured.
  const mcp =
    browsers && Object.keys(config.tools.mcp.servers).length
      ? new (await import('../tools/mcp-servers.js')).McpServers(config.tools.mcp, {
          serversDir: mcpServersDir(config.paths),
          logger: logger.child({ component: 'mcp' }),
        })
      : null;
  // Each agent's commands under bubblewrap when its tools.exec.sandbox says so (and the host has it).
  const sandboxes = browsers
    ? new Map(await Promise.all(agentIds(config).map(async (id) => [id, await resolveExecSandbox(agentProfile(config, id).tools.exec.sandbox)] as const)))
    : null;
  const commands = sandboxes?.get(defaultAgentId(config)) ?? null;
  if (commands && !commands.ok) logger.warn(`commands the agent runs are ${commands.summary}`);
  const toolActivities =
    browsers && sandboxes
      ? createToolActivities({
          config,
          browsers,
          schedules: new ScheduleClient(client, config),
          client,
          sandboxes: new Map([...sandboxes].map(([id, choice]) => [id, choice.sandbox])),
          ...(mcp ? { mcp } : {}),
        })
      : null;
  // The sessions worker names its build in the namespace's Worker Deployment (unless temporal.workerVersioning is off).
  const deployment = serves('sessions') ? await sessionsVersioning(client.connection, config, logger) : null;
  if (serves('sessions')) {
    const transcripts = createTranscriptActivities(new JsonlTranscriptStore(config.paths.transcriptsDir), ledger && budget ? { ledger, budget } : undefined);
    const workflowBundle = await loadWorkflowBundle(config.paths.cacheDir, logger, tracing ? [tracing.tracingWorkflowModule] : []);
    // The SDK's per-promise stack capture, for the stack-trace query only: a fifth of a warm turn (unless asked for).
    if (!config.temporal.workflowStackTraces) withoutWorkflowStackTraces();
    workers.push(
      await Worker.create({
        connection,
        namespace,
        taskQueue: taskQueues.sessions,
        workflowBundle,
        // Local activities of the session workflow: the transcript store is on this machine, and the runtime's caller.
        activities: {
          ...transcripts,
          ...createSealActivities(installSecret(config.paths.home, 'session-seal-key')),
          ...createApprovalAuditActivities(approvalAuditFile(config.paths)),
          ...createToolsHostActivities(client),
          ...agentActivities,
          ...(agentActivities ? createRecordingAgentActivities(agentActivities, transcripts) : {}),
          // This process may be the tools host too (clawflow start): then a session's workspace is described here.
          describeWorkspaceHere: async ({ sessionKey }: { sessionKey: string }) => (toolActivities ? toolActivities.describeWorkspace({ sessionKey }) : null),
        },
        // After a worker dies, its sessions move to another worker this soon (histories are short, so replay is cheap).
        stickyQueueScheduleToStartTimeout: '3s',
        // Memory stays flat however many sessions there are: as many as session.cacheMemoryMb holds are kept, the least
        // recently used leave (and replay their short history when a message comes).
        maxCachedWorkflows: sessionCacheSize(config.session),
        ...(deployment ? { workerDeploymentOptions: deploymentOptions(deployment) } : {}),
        ...common,
      }),
    );
  }
  if (serves('agent')) {
    workers.push(
      await Worker.create({
        connection,
        namespace,
        taskQueue: taskQueues.agent,
        activities: {
          ...agentActivities,
          ...createMemoryActivities(config),
          // Scheduled turns reach sessions through the client, as any caller does.
          ...createScheduleActivities({
            sendMessage: (sessionKey, message) => sendMessage(client, config, sessionKey, message),
            lastRoute: async (sessionKey) => (await sessionHandle(client, config, sessionKey).query(statusQuery)).lastRoute,
            deleteSchedule: (scheduleId) => deleteSchedule(client, scheduleId),
            ...(budget ? { budget } : {}),
          }),
        },
        ...common,
      }),
    );
  }
  if (toolActivities) {
    workers.push(await Worker.create({ connection, namespace, taskQueue: taskQueues.tools, activities: toolActivities, ...common }));
  }
  // With metrics served, the backlog of each task queue and the approvals waiting, read from Temporal.
  const stopGauges = config.metrics.port ? startQueueGauges(client, logger) : null;
  const done = Promise.all(workers.map((w) => w.run())).then(async () => {
    stopGauges?.();
    run.release();
    await browsers?.close();
    await mcp?.close();
    await images?.close();
    await connection.close();
    await client.connection.close();
  });
  // Polling now: this build becomes current if it should, before the process says it is running.
  if (deployment) await settleSessionsBuild(client.connection, config, deployment, run.identity, logger);
  resumeAfterUncleanStop(client, run.takeInterrupted(), { deliveryRetrySeconds: config.agent.retryForSeconds, logger });
  return {
    done,
    commands,
    shutdown: async () => {
      for (const worker of workers) if (worker.getState() === 'RUNNING') worker.shutdown();
      await done;
    },
  };
}
