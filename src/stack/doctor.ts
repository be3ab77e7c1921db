import { statfs } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { enabledChannels } from '../config/channels.js';
import { mcpServersDir } from '../config/paths.js';
import type { ClawflowConfig } from '../config/load.js';
import { readConnectorReport } from '../connectors/connector-report.js';
import { secretFile } from '../config/secrets.js';
import { searchAttributeRegistrations, sessionSearchAttributeNames } from '../contracts/search-attribute-names.js';
import { taskQueues } from '../workflows/task-queues.js';
import { builtInModel, builtInModelNote } from '../agent/providers/built-in.js';
import { findChromium } from '../tools/browser-pool.js';
import { resolveExecSandbox } from '../tools/exec-sandbox.js';
import { temporalAddress } from '../temporal/address.js';
import { isTemporalCloud, temporalTls, TemporalTlsError } from '../temporal/connection-options.js';
import { searchAttributeCommands } from '../temporal/search-attribute-commands.js';
import { grpcReader, httpReader, type Poller, type TemporalReader } from './temporal-readers.js';
import { releaseOfWorker } from '../contracts/worker-identity.js';
import { promoteCommand, sessionsDeployment } from '../temporal/worker-deployment.js';
import { clawflowVersion } from '../tools/user-agent.js';
import { historyKeys } from '../temporal/data-converter.js';
import { cachedCliPath, findOnPath } from '../temporal/cli-binary.js';
import { resolveWebUiAssets, temporalUiVersion } from '../temporal/web-ui-assets.js';

export type Verdict = 'ok' | 'warn' | 'fail';

/** One thing the doctor looked at: how it is, and, when it is not ok, what to do. */
export interface Finding {
  check: string;
  verdict: Verdict;
  detail: string;
}

const ok = (check: string, detail: string): Finding => ({ check, verdict: 'ok', detail });
const warn = (check: string, detail: string): Finding => ({ check, verdict: 'warn', detail });
const fail = (check: string, detail: string): Finding => ({ check, verdict: 'fail', detail });

async function probe(url: string, init: RequestInit = {}, timeoutMs = 4000): Promise<Response> {
  return fetch(url, { ...init, signal: AbortSignal.timeout(timeoutMs) });
}

const reason = (error: unknown): string => String((error as Error).cause ?? (error as Error).message);

/** How the connection is made, for the report: TLS, a client certificate, an API key. */
function connectionKind(config: ClawflowConfig): string {
  const tls = temporalTls(config);
  if (!tls) return '';
  const parts = ['TLS', ...(typeof tls === 'object' && tls.clientCertPair ? ['client certificate'] : []), ...(config.temporal.apiKey ? ['API key'] : [])];
  return ` (${parts.join(', ')})`;
}

/**
 * Workers of more than one release serving this namespace's queues: a rolling deploy under way, or an old worker
 * left running — a session may land on the older code (it replays what the newer recorded only where patched()
 * allows). Null when all are of one release.
 */
export function mixedReleases(pollers: readonly Poller[]): Finding | null {
  const byRelease = new Map<string, Set<string>>();
  for (const { identity } of pollers) {
    const release = releaseOfWorker(identity) ?? 'older than 0.10.0, or not ClawFlow';
    byRelease.set(release, (byRelease.get(release) ?? new Set()).add(identity));
  }
  if (byRelease.size < 2) return null;
  const releases = [...byRelease].map(([release, workers]) => `${release} (${workers.size} process${workers.size === 1 ? '' : 'es'})`).join(', ');
  return warn(
    'worker releases',
    `workers of more than one release poll ClawFlow's queues: ${releases}; finish the deploy: stop the older workers once the newer ones run`,
  );
}

/**
 * Which build the namespace's Worker Deployment sends sessions to, against this install's: the same (ok), none yet
 * (sessions wait for a sessions worker to start), another (a deploy under way, or this install's workers left out),
 * or any while this install runs unversioned (its workers would get no session tasks).
 */
export async function deploymentFinding(config: ClawflowConfig, reader: Pick<TemporalReader, 'currentBuild'>): Promise<Finding> {
  const { deploymentName } = config.temporal.workerVersioning;
  const deployment = sessionsDeployment(config, clawflowVersion);
  let current: string | null;
  try {
    current = await reader.currentBuild(deploymentName);
  } catch (error) {
    return deployment ? warn('worker deployment', `could not read the Worker Deployment ${deploymentName} (${reason(error)})`) : ok('worker deployment', 'off');
  }
  if (!deployment) {
    return current
      ? fail(
          'worker deployment',
          `sessions go only to workers of build ${current} (Worker Deployment ${deploymentName}), and this install's workers run unversioned (temporal.workerVersioning.mode off): turn versioning back on, or send sessions to unversioned workers: ${promoteCommand(config, '')}`,
        )
      : ok('worker deployment', 'off (unversioned workers)');
  }
  if (current === deployment.buildId) return ok('worker deployment', `${deploymentName}: build ${current} is current (this install's)`);
  if (current === null)
    return warn('worker deployment', `no build of ${deploymentName} is current: sessions wait until a sessions worker starts (it makes its build current)`);
  return warn(
    'worker deployment',
    `${deploymentName}: build ${current} is current, this install is build ${deployment.buildId} — its sessions workers get no session tasks. A deploy under way: finish it; otherwise move sessions here: ${promoteCommand(config, deployment.buildId)}`,
  );
}

/** Temporal: reachable, the namespace there, ClawFlow's search attributes registered, workers polling each queue. */
async function temporalFindings(config: ClawflowConfig): Promise<Finding[]> {
  const address = temporalAddress(config);
  const { namespace } = config.temporal;
  let reader: TemporalReader;
  try {
    // The dev server's HTTP API when `clawflow start` runs one (no gRPC client to load), else gRPC.
    reader = (await httpReader(config)) ?? (await grpcReader(config));
  } catch (error) {
    if (error instanceof TemporalTlsError) return [fail('temporal', error.message)];
    const remote = config.temporal.address !== undefined;
    return [
      fail(
        'temporal',
        `not reachable at ${address}${connectionKind(config)} (${reason(error)}): ${remote ? 'check temporal.* in clawflow.json, TEMPORAL_* and the profile (temporal.profile)' : 'start ClawFlow (npm start), or set TEMPORAL_ADDRESS to your server'}`,
      ),
    ];
  }
  const findings: Finding[] = [];
  try {
    if (!(await reader.namespaceExists())) {
      return [
        fail(
          'temporal',
          `${address} answers, but has no namespace "${namespace}": create it (temporal operator namespace create ${namespace}) or set TEMPORAL_NAMESPACE`,
        ),
      ];
    }
    findings.push(ok('temporal', `${address}${connectionKind(config)}, namespace ${namespace}`));
    const registered = new Set(await reader.searchAttributeNames());
    const missing = Object.values(sessionSearchAttributeNames).filter((name) => !registered.has(name));
    findings.push(
      missing.length
        ? isTemporalCloud(address)
          ? fail(
              'search attributes',
              `missing on Temporal Cloud, where ClawFlow cannot add them; add them once:\n${searchAttributeCommands(
                namespace,
                searchAttributeRegistrations.filter((sa) => missing.includes(sa.name as (typeof missing)[number])),
              )}`,
            )
          : warn('search attributes', `missing ${missing.join(', ')}: the workers register them when they start`)
        : ok('search attributes', 'registered'),
    );
    const queues: Array<[string, string]> = [
      ['sessions worker', taskQueues.sessions],
      ['agent worker', taskQueues.agent],
      ['tools worker', taskQueues.tools],
      ...(enabledChannels(config).length ? [['connector', taskQueues.connector] as [string, string]] : []),
    ];
    const polled = await Promise.all(queues.map(([, queue]) => reader.pollers(queue)));
    // Tool calls (and workspace reads) waiting for their host, a laptop asleep: they run once a tools worker polls again.
    // Temporal's count is approximate.
    const toolCallsWaiting = await reader.backlog(taskQueues.tools).catch(() => 0);
    queues.forEach(([what, queue], index) => {
      const recent = polled[index]!.filter((poller) => Date.now() - poller.at.getTime() < 120_000);
      const waiting = queue === taskQueues.tools && toolCallsWaiting ? `; about ${toolCallsWaiting} call(s) waiting for a tools host` : '';
      findings.push(
        recent.length
          ? ok(what, `${recent.length} polling ${queue}${waiting}`)
          : fail(what, `nothing polls ${queue}${waiting}: start ClawFlow (npm start) or \`clawflow ${what === 'connector' ? 'connector' : 'worker'}\``),
      );
    });
    const mixed = mixedReleases(polled.flat().filter((poller) => Date.now() - poller.at.getTime() < 120_000));
    if (mixed) findings.push(mixed);
    findings.push(await deploymentFinding(config, reader));
  } finally {
    await reader.close();
  }
  return findings;
}

/** The agent runtime answers /ping (the local one, or CLAWFLOW_RUNTIME_URL); AgentCore is checked by its ARN only. */
async function runtimeFinding(config: ClawflowConfig): Promise<Finding> {
  if (config.agentcore.runtimeArn) return ok('agent runtime', `AgentCore ${config.agentcore.runtimeArn}`);
  const url = config.runtime.url ?? `http://127.0.0.1:${config.runtime.port}`;
  try {
    const response = await probe(`${url.replace(/\/+$/, '')}/ping`);
    const body = (await response.json().catch(() => null)) as { status?: string } | null;
    if (response.ok && body?.status) return ok('agent runtime', `${url}: ${body.status}`);
    return fail('agent runtime', `${url}/ping answered HTTP ${response.status}: is that ClawFlow's runtime?`);
  } catch (error) {
    return fail('agent runtime', `not answering at ${url} (${reason(error)}): start ClawFlow (npm start) or \`clawflow runtime\`, or fix runtime.url`);
  }
}

/** The model endpoint answers and takes the key (OpenAI-compatible: GET /models; others by their own SDKs at the first turn). */
async function modelFinding(config: ClawflowConfig): Promise<Finding> {
  const { model } = config;
  if (model.provider !== 'openai-compatible') return ok('model', `${model.provider} ${model.name ?? ''} (checked at the first turn)`.trim());
  const builtIn = builtInModel(model);
  if (builtIn || !model.baseUrl)
    return warn('model', `${builtInModelNote[builtIn ?? 'echo']}. Set CLAWFLOW_MODEL_BASE_URL and CLAWFLOW_MODEL for a real model`);
  if (config.agentcore.runtimeArn || config.runtime.url) return ok('model', `${model.name} at ${model.baseUrl} (called by the runtime)`);
  try {
    const response = await probe(`${model.baseUrl.replace(/\/+$/, '')}/models`, {
      headers: model.apiKey ? { authorization: `Bearer ${model.apiKey}` } : {},
    });
    if (response.status === 401 || response.status === 403)
      return fail('model', `${model.baseUrl} refused the key (HTTP ${response.status}): check CLAWFLOW_MODEL_API_KEY`);
    if (!response.ok && response.status !== 404) return warn('model', `${model.baseUrl}/models answered HTTP ${response.status}`);
    return ok('model', `${model.name} at ${model.baseUrl}`);
  } catch (error) {
    return fail('model', `${model.baseUrl} is not reachable (${reason(error)}): check model.baseUrl, or that the model server runs`);
  }
}

/** Each enabled channel, as the running connector last reported it. */
function channelFindings(config: ClawflowConfig): Finding[] {
  const channels = enabledChannels(config);
  if (!channels.length) return [];
  const read = readConnectorReport(config.paths.home);
  if (!read) return channels.map((channel) => fail(`channel ${channel}`, 'no connector has reported yet: start ClawFlow (npm start) or `clawflow connector`'));
  const { report, stale } = read;
  return channels.map((channel) => {
    const status = report.channels.find((c) => c.channel === channel);
    if (!status || stale) return fail(`channel ${channel}`, `the connector is not running (last report ${report.updatedAt})`);
    if (status.state === 'connected') return ok(`channel ${channel}`, status.detail ?? 'connected');
    return fail(`channel ${channel}`, `${status.state}${status.detail ? `: ${status.detail}` : ''} — check its token in the configuration`);
  });
}

/** Everything else on this machine: Chromium, disk space, the history key, the Temporal CLI. */
async function machineFindings(config: ClawflowConfig): Promise<Finding[]> {
  const findings: Finding[] = [];
  if (config.tools.exec.policy !== 'deny') {
    findings.push(
      await resolveExecSandbox(config.tools.exec.sandbox).then(
        (choice) => (choice.ok ? ok('exec sandbox', choice.summary) : warn('exec sandbox', choice.summary)),
        (error: Error) => fail('exec sandbox', error.message),
      ),
    );
  }
  if (config.tools.browser.enabled) {
    const chromium = findChromium(config.tools.browser.executablePath);
    findings.push(
      chromium
        ? ok('chromium', chromium)
        : warn('chromium', 'not found: the browser tool cannot open pages. Install it (apt-get install chromium) or set tools.browser.executablePath'),
    );
  }
  try {
    const disk = await statfs(config.paths.home);
    const free = disk.bavail * disk.bsize;
    const text = `${(free / 1e9).toFixed(1)} GB free where the state dir is (${config.paths.home})`;
    findings.push(free < 200e6 ? fail('disk', `${text}: Temporal and the transcripts need room`) : free < 1e9 ? warn('disk', text) : ok('disk', text));
  } catch {
    findings.push(warn('disk', `the state dir ${config.paths.home} does not exist yet: the first start makes it`));
  }
  if (config.history.encrypt) {
    if (!existsSync(secretFile(config.paths.home, 'history-key')))
      findings.push(warn('history key', 'none yet: the first start makes secrets/history-key (back it up with the state dir)'));
    else {
      try {
        const { current, retired } = historyKeys(config.paths.home);
        findings.push(ok('history key', `${current.id}${retired.length ? ` (+${retired.length} retired)` : ''}; back it up with the state dir`));
      } catch (error) {
        findings.push(fail('history key', `${(error as Error).message}: restore it from a backup, or sessions cannot be read`));
      }
    }
  } else findings.push(warn('history key', "history.encrypt is off: messages are plain text in Temporal's database"));
  if (!config.temporal.address) {
    const cli =
      config.temporal.bin ??
      findOnPath('temporal', process.env) ??
      (existsSync(cachedCliPath(config.paths.cacheDir)) ? cachedCliPath(config.paths.cacheDir) : null);
    findings.push(
      cli ? ok('temporal cli', cli) : warn('temporal cli', 'not built or downloaded yet: the first `npm start` does it (clawflow setup does it now)'),
    );
    const webUi = await resolveWebUiAssets({ explicitDir: config.temporal.uiAssetsDir, cacheDir: config.paths.cacheDir, download: false }).then(
      ({ dir }) => ok('temporal web ui', `${temporalUiVersion} from ${dir}, served on 127.0.0.1:${config.temporal.uiPort} behind ClawFlow's guard`),
      (error: Error) => warn('temporal web ui', error.message),
    );
    findings.push(webUi);
  }
  return findings;
}

/** What `clawflow status` shows of the stack: Temporal and its workers, the runtime, the channels. */
export async function stackFindings(config: ClawflowConfig): Promise<Finding[]> {
  const [temporalChecks, runtime] = await Promise.all([temporalFindings(config), runtimeFinding(config)]);
  return [...temporalChecks, runtime, ...channelFindings(config)];
}

/** Each enabled MCP server, started here as the tools host starts it: does it run, and how many tools it offers. */
async function mcpFindings(config: ClawflowConfig): Promise<Finding[]> {
  if (!Object.values(config.tools.mcp.servers).some((server) => server.enabled)) return [];
  const { probeMcpServers } = await import('../tools/mcp-servers.js');
  return (await probeMcpServers(config.tools.mcp, mcpServersDir(config.paths)))
    .filter((server) => server.state !== 'disabled')
    .map((server) =>
      server.state === 'connected'
        ? ok(`mcp ${server.name}`, `${server.tools.length} tool${server.tools.length === 1 ? '' : 's'} (${server.target})`)
        : fail(`mcp ${server.name}`, `${server.detail ?? server.state} — check tools.mcp.servers.${server.name} (clawflow mcp list)`),
    );
}

/** Everything `clawflow doctor` looks at, in the order a person would fix it. */
export async function diagnose(config: ClawflowConfig): Promise<Finding[]> {
  const [temporalChecks, runtime, model, machine, mcp] = await Promise.all([
    temporalFindings(config),
    runtimeFinding(config),
    modelFinding(config),
    machineFindings(config),
    mcpFindings(config),
  ]);
  return [...temporalChecks, runtime, model, ...channelFindings(config), ...mcp, ...machine];
}
