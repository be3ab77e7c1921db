import { ensureStateDir, warnIfRepaired, warnUnknownEnv, type ClawflowConfig } from '../config/load.js';
import { consoleOpenUrl, installSecret, runtimeToken, webUiOpenUrl } from '../config/secrets.js';
import type { Logger } from '../logger.js';
import { pingSchema } from '../contracts/agent-runtime.js';
import type { ModelProvider } from '../agent/providers/provider.js';
import { builtInModel, builtInModelNote } from '../agent/providers/built-in.js';
import type { RunningRuntime } from '../agent/runtime/server.js';
import type { WorkerSet } from '../workers/run-workers.js';
import { enabledChannels } from '../config/channels.js';
import { resolveTemporalCli } from '../temporal/cli-binary.js';
import { startDevServer, devServerLogFile, stopLeftoverServer, type DevServer } from '../temporal/dev-server.js';
import { assertStackPortsFree } from './ports.js';
import { connectClient, waitForTemporal } from '../temporal/connection.js';
import { temporalAddress } from '../temporal/address.js';
import { temporalConnectionOptions } from '../temporal/connection-options.js';
import { readRunningStack, removeRunningStack, writeRunningStack } from '../config/running-stack.js';
import { historyCodecFor } from '../temporal/data-converter.js';
import { devServerHttpHost } from '../temporal/http-api.js';
import { resolveWebUiAssets } from '../temporal/web-ui-assets.js';
import { startWebUi } from '../temporal/web-ui.js';

export interface LocalStack {
  temporalAddress: string;
  /** The link that opens the Temporal Web UI (it carries the install's key); set when this stack runs its own dev server. */
  webUiUrl: string | null;
  /** Why there is no Web UI although this stack runs its own dev server (its files could not be had). */
  webUiMissing: string | null;
  runtimeDescription: string;
  /** "echo" when no model is configured. */
  modelDescription: string;
  /** Base URL of the OpenAI-compatible API (null when switched off). */
  apiUrl: string | null;
  /** The link that opens the owner's console (it carries the install's console key); null when switched off. */
  consoleUrl: string | null;
  /** The chat channels connected (empty when none is configured). */
  channels: string[];
  /** How the agent's commands run: sandboxed, or not and how to fix it. */
  commands: string;
  /** Settles when the workers stop, by shutdown or by a fatal error. */
  workersDone: Promise<void>;
  stop(): Promise<void>;
}

function describeProvider(provider: ModelProvider, model: ClawflowConfig['model']): string {
  const builtIn = builtInModel(model);
  if (builtIn === 'echo') return 'echo';
  if (builtIn === 'demo') return `demo (${builtInModelNote.demo})`;
  return `${provider.model} (${provider.name}${model.baseUrl ? ` at ${model.baseUrl}` : ''})`;
}

async function checkRuntime(url: string): Promise<void> {
  const response = await fetch(new URL('/ping', url), { signal: AbortSignal.timeout(5000) }).catch((error: Error) => {
    throw new Error(`agent runtime at ${url} (CLAWFLOW_RUNTIME_URL) is unreachable: ${error.message}`);
  });
  if (!pingSchema.safeParse(await response.json().catch(() => null)).success) {
    throw new Error(`${url}/ping did not answer like an agent runtime`);
  }
}

/** How starting is shown to the person waiting: each slow step (its title, notes while it runs, how it ended), and what they should know. */
export interface StartReporter {
  step: <T>(title: string, run: (note: (message: string) => void) => Promise<T>) => Promise<T>;
  warn: (message: string) => void;
}

/** Everything `clawflow start` runs: Temporal (own dev server or TEMPORAL_ADDRESS), the agent runtime, the workers. */
export async function startLocalStack(config: ClawflowConfig, logger: Logger, { step, warn }: StartReporter): Promise<LocalStack> {
  // Said among the progress lines, in words (the logger is for the running stack's own records).
  warnIfRepaired(ensureStateDir(config), { warn });
  warnUnknownEnv(process.env, { warn });
  const running = readRunningStack(config.paths.home);
  if (running && running.pid !== process.pid) {
    throw new Error(
      `ClawFlow is already running from ${config.paths.home} (process ${running.pid}, Temporal at ${running.temporalAddress}): stop it first, or give this one another CLAWFLOW_HOME`,
    );
  }
  // A dev server a killed stack left behind holds its ports: stopped first. Then every port is checked before anything
  // starts, so a taken one is a message naming its setting, not a half-started stack.
  if (!config.temporal.address) await stopLeftoverServer(config.paths.temporalPidFile, config.paths.temporalDb);
  await assertStackPortsFree(config);
  // The heavy parts load while the Temporal dev server starts (a separate process, on the other core): together
  // they took 1.6 s of every start before anything began.
  const parts = {
    model: Promise.all([import('../agent/runtime/model-secret.js'), import('../agent/providers/index.js'), import('../agent/runtime/server.js')]),
    workers: import('../workers/run-workers.js'),
    api: config.api.enabled ? import('../api/openai-api.js') : null,
    connectors: enabledChannels(config).length ? import('../workers/run-connectors.js') : null,
  };
  // One that fails to load is reported where it is awaited, not as an unhandled rejection meanwhile.
  for (const part of Object.values(parts)) void part?.catch(() => undefined);
  const stops: Array<() => Promise<void>> = [];
  const stop = async (): Promise<void> => {
    for (const fn of stops.reverse()) await fn().catch((error: Error) => logger.error({ err: error.message }, 'error while stopping'));
  };
  try {
    let devServer: DevServer | null = null;
    let webUiUrl: string | null = null;
    let webUiMissing: string | null = null;
    const address = temporalAddress(config);
    if (config.temporal.address) {
      await step(`Connecting to Temporal at ${address} (TEMPORAL_ADDRESS)`, () =>
        waitForTemporal(temporalConnectionOptions(config), config.temporal.namespace, 10_000).catch((error: Error) => {
          throw new Error(`Temporal at ${address} (temporal.address or TEMPORAL_ADDRESS) is not reachable: ${error.message}`);
        }),
      );
    } else {
      const cli = await step('Finding the Temporal CLI', async (note) => {
        const found = await resolveTemporalCli({ explicitPath: config.temporal.bin, cacheDir: config.paths.cacheDir, onProgress: note });
        note(found.kind === 'binary' ? `using ${found.path} (${found.source})` : `downloading into ${found.downloadDir}`);
        return found;
      });
      // Without its files ClawFlow runs on, without the Web UI (the reason is logged).
      const assets = await step('Finding the Temporal Web UI', (note) =>
        resolveWebUiAssets({ explicitDir: config.temporal.uiAssetsDir, cacheDir: config.paths.cacheDir, onProgress: note }),
      ).catch((error: Error) => error);
      devServer = await step(`Starting the Temporal dev server on ${address}`, () =>
        startDevServer({
          cli,
          dbFile: config.paths.temporalDb,
          ip: '127.0.0.1',
          port: config.temporal.port,
          httpPort: config.temporal.httpPort,
          namespaces: config.temporal.namespace === 'default' ? [] : [config.temporal.namespace],
          logFile: devServerLogFile(config.paths.temporalDb),
          pidFile: config.paths.temporalPidFile,
        }),
      );
      stops.push(() => devServer!.stop());
      if (assets instanceof Error) {
        webUiMissing = assets.message;
        warn(`the Temporal Web UI is not served: its files could not be had (${assets.message}); everything else works, and \`clawflow setup\` fetches them`);
      } else {
        // Served by ClawFlow behind its guard; encrypted sessions are decoded on its own origin, in the key holder's browser.
        const ui = await step(`Serving the Temporal Web UI on 127.0.0.1:${config.temporal.uiPort}`, () =>
          startWebUi({
            host: '127.0.0.1',
            port: config.temporal.uiPort,
            assetsDir: assets.dir,
            temporalHttp: { url: `http://127.0.0.1:${config.temporal.httpPort}`, hostHeader: devServerHttpHost },
            namespace: config.temporal.namespace,
            codec: historyCodecFor(config),
            key: installSecret(config.paths.home, 'web-ui-token'),
            logger: logger.child({ component: 'web-ui' }),
          }),
        );
        stops.push(() => ui.close());
        webUiUrl = webUiOpenUrl(config, ui.url);
      }
    }

    let runtime: RunningRuntime | null = null;
    // Only a runtime of our own needs the model's key (read from Secrets Manager when model.apiKeySecretArn names one).
    const [{ withModelApiKey }, { runtimeModelsFromConfig }, { startRuntime }] = await parts.model;
    const modelConfig = config.agentcore.runtimeArn || config.runtime.url ? config.model : await withModelApiKey(config.model, logger);
    const { provider, models, agentModels } = runtimeModelsFromConfig(config, modelConfig, logger);
    if (config.agentcore.runtimeArn) {
      // Turns run on AgentCore: no local runtime is needed.
    } else if (config.runtime.url) {
      await step(`Checking the agent runtime at ${config.runtime.url}`, () => checkRuntime(config.runtime.url!));
    } else {
      runtime = await step(`Starting the agent runtime on 127.0.0.1:${config.runtime.port}`, () =>
        startRuntime({
          host: '127.0.0.1',
          port: config.runtime.port,
          provider,
          models,
          agentModels,
          vision: modelConfig.vision,
          ...(modelConfig.thinking ? { thinking: modelConfig.thinking } : {}),
          token: runtimeToken(config),
          allowedHosts: config.runtime.allowedHosts,
          logger: logger.child({ component: 'runtime' }),
        }),
      );
      stops.push(() => runtime!.close());
    }
    const runtimeUrl = config.runtime.url ?? runtime?.url ?? `http://127.0.0.1:${config.runtime.port}`;

    const { startWorkers } = await parts.workers;
    const workers: WorkerSet = await step('Starting the workers', () =>
      startWorkers(config, { url: runtimeUrl, ...(runtime ? { inProcess: runtime.invocations } : {}) }, logger.child({ component: 'worker' })),
    );
    stops.push(() => workers.shutdown());

    // The API and the console reach the sessions through one client connection (closed after both).
    const client = config.api.enabled || config.console.enabled ? await connectClient(config) : null;
    if (client) stops.push(() => client.connection.close());

    let apiUrl: string | null = null;
    if (config.api.enabled && client) {
      if (config.api.auth === 'none') warn('api.auth is "none": any program on this machine can use the OpenAI-compatible API without a token');
      const api = await step(`Starting the OpenAI-compatible API on ${config.api.host}:${config.api.port}`, () =>
        parts.api!.then(({ startApiServer }) => startApiServer({ client, config, logger: logger.child({ component: 'api' }) })),
      );
      stops.push(() => api.close());
      apiUrl = api.url;
    }

    let consoleUrl: string | null = null;
    if (config.console.enabled && client) {
      const page = await step(`Serving the console on 127.0.0.1:${config.console.port}`, () =>
        import('../console/console.js').then(({ startConsole }) =>
          startConsole({
            config,
            client,
            logger: logger.child({ component: 'console' }),
            webUiOrigin: webUiUrl ? new URL(webUiUrl).origin : null,
            checkStack: () => import('./doctor.js').then(({ stackFindings }) => stackFindings(config)),
          }),
        ),
      );
      stops.push(() => page.close());
      consoleUrl = consoleOpenUrl(config, page.url);
    }

    let channels: string[] = [];
    if (parts.connectors) {
      const { startConnectors } = await parts.connectors;
      const connectors = await step('Connecting the chat channels', () => startConnectors(config, logger.child({ component: 'connector' })));
      stops.push(() => connectors.shutdown());
      channels = connectors.channels;
    }

    // Other terminals find this stack from here, whatever its ports (see temporalAddress).
    writeRunningStack(config.paths.home, {
      pid: process.pid,
      temporalAddress: address,
      temporalHttpPort: devServer ? config.temporal.httpPort : null,
      apiUrl,
      webUiUrl: webUiUrl ? new URL(webUiUrl).origin : null,
      consoleUrl: consoleUrl ? new URL(consoleUrl).origin : null,
    });
    stops.unshift(async () => removeRunningStack(config.paths.home));
    return {
      temporalAddress: address,
      webUiUrl,
      webUiMissing,
      runtimeDescription: config.agentcore.runtimeArn
        ? `AgentCore ${config.agentcore.runtimeArn} (${config.agentcore.qualifier})`
        : `${runtimeUrl}  (POST /invocations, GET /ping)`,
      modelDescription: config.agentcore.runtimeArn || config.runtime.url ? 'chosen by the agent runtime' : describeProvider(provider, config.model),
      channels,
      commands: workers.commands?.summary ?? 'run by the tools worker',
      apiUrl,
      consoleUrl,
      workersDone: workers.done,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
