import { connect } from 'node:net';
import { Client, Connection } from '@temporalio/client';
import { grpcCodeOf, grpcCodes } from './grpc-codes.js';
import protos from '@temporalio/proto';
import type { ClawflowConfig } from '../config/load.js';
import { temporalAddress } from './address.js';
import { temporalConnectionOptions, type TemporalConnectionOptions } from './connection-options.js';
import { stackState } from '../config/running-stack.js';
import { searchAttributeRegistrations } from '../contracts/search-attribute-names.js';
import { searchAttributeCommands } from './search-attribute-commands.js';
import { dataConverterFor } from './data-converter.js';

/** What a client of this install's Temporal needs: where it is, how payloads are sealed, where traces go. */
export type TemporalClientConfig = Pick<ClawflowConfig, 'temporal' | 'paths' | 'tracing' | 'history'>;

const IndexedValueType = protos.temporal.api.enums.v1.IndexedValueType;
const indexedTypes = {
  Keyword: IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD,
  Int: IndexedValueType.INDEXED_VALUE_TYPE_INT,
  Datetime: IndexedValueType.INDEXED_VALUE_TYPE_DATETIME,
} as const;

/** Whether something accepts connections at host:port within `timeoutMs` (a refused one says so at once). */
function answers(address: string, timeoutMs: number): Promise<boolean> {
  const [host, port] = [address.slice(0, address.lastIndexOf(':')), Number(address.slice(address.lastIndexOf(':') + 1))];
  return new Promise((resolve) => {
    const socket = connect({ host: host.replace(/^\[|\]$/g, ''), port });
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(true)); // slow, not refused: let the client find out
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/** The stack of this state dir is not running: said at once, with how to start it, instead of after a long wait. */
export class StackNotRunningError extends Error {
  override name = 'StackNotRunningError';
}

/**
 * For a command of the local stack (no TEMPORAL_ADDRESS): refuses at once when the stack is down — its process gone
 * (a dev server left behind would take messages no worker answers) or nothing answering where Temporal would be.
 */
export async function assertStackRunning(config: TemporalClientConfig): Promise<void> {
  if (config.temporal.address) return;
  const found = stackState(config.paths.home);
  if (found.state === 'running') return;
  const start = 'Start it with `clawflow start` (`npm start` in the checkout)';
  if (found.state === 'gone') {
    throw new StackNotRunningError(
      `ClawFlow is not running: its process ${found.pid} ended without stopping (killed?), so no worker answers. ${start}: it picks every session up where it was.`,
    );
  }
  const address = temporalAddress(config);
  if (!(await answers(address, 1000))) {
    throw new StackNotRunningError(
      `ClawFlow is not running from ${config.paths.home}: nothing answers at ${address}. ${start}; if it runs from another state dir, set CLAWFLOW_HOME to that dir, or set TEMPORAL_ADDRESS to a running server.`,
    );
  }
}

/** Runs `work` with a connected client and closes the connection after, however it ends. */
export async function withClient<T>(config: TemporalClientConfig, work: (client: Client) => Promise<T>): Promise<T> {
  await assertStackRunning(config);
  const client = await connectClient(config);
  try {
    return await work(client);
  } finally {
    await client.connection.close();
  }
}

/** Connects once; fails fast with an actionable message when nothing answers. */
export async function connectClient(config: TemporalClientConfig, timeoutMs = 5000): Promise<Client> {
  const options = temporalConnectionOptions(config);
  const address = options.address;
  let connection: Connection;
  try {
    connection = await Connection.connect({ ...options, connectTimeout: timeoutMs });
  } catch (error) {
    if (config.temporal.address)
      throw new Error(`Cannot reach Temporal at ${address} (${(error as Error).message}); check temporal.* (or TEMPORAL_*, or the profile).`);
    throw new Error(
      `Cannot reach Temporal at ${address} (${(error as Error).message}). Start the stack with \`npx clawflow start\`; if it runs from another state dir, set CLAWFLOW_HOME to that dir (this one is ${config.paths.home}); or set TEMPORAL_ADDRESS to a running server.`,
    );
  }
  // With tracing on, every message a client sends starts a trace the workflow and its activities continue.
  const tracing = config.tracing.otlpEndpoint ? await import('../telemetry/tracing.js') : null;
  tracing?.startTracing(config.tracing.otlpEndpoint);
  return new Client({
    connection,
    namespace: config.temporal.namespace,
    dataConverter: dataConverterFor(config),
    ...(tracing ? { interceptors: { workflow: tracing.tracingClientInterceptors() } } : {}),
  });
}

/** Polls until the server answers and the namespace exists. */
export async function waitForTemporal(
  server: TemporalConnectionOptions,
  namespace: string,
  timeoutMs: number,
  isAlive: () => boolean = () => true,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    if (!isAlive()) throw new Error(`the Temporal server exited before it became ready`);
    try {
      const connection = await Connection.connect({ ...server, connectTimeout: 1000 });
      try {
        await connection.workflowService.describeNamespace({ namespace });
        return;
      } finally {
        await connection.close();
      }
    } catch (error) {
      lastError = error;
      // Often: a dev server that is starting. Every 50 ms: each tenth of a second here is one of `clawflow start`'s.
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
  throw new Error(`Temporal at ${server.address} was not ready within ${timeoutMs / 1000} s: ${(lastError as Error | undefined)?.message ?? 'no answer'}`);
}

/**
 * Registers ClawFlow's custom search attributes on a server that lacks them (a dev server gets them at start). A server
 * that cannot list them (Temporal's time-skipping test server) gets each added, and one it already has is fine.
 */
export async function ensureSearchAttributes(connection: Connection, namespace: string): Promise<string[]> {
  const add = (names: typeof searchAttributeRegistrations): Promise<unknown> =>
    connection.operatorService.addSearchAttributes({ namespace, searchAttributes: Object.fromEntries(names.map((sa) => [sa.name, indexedTypes[sa.type]])) });
  const existing = await connection.operatorService.listSearchAttributes({ namespace }).catch((error: unknown) => {
    if (grpcCodeOf(error) === grpcCodes.unimplemented) return null;
    throw error;
  });
  if (existing === null) {
    const added: string[] = [];
    for (const sa of searchAttributeRegistrations) {
      await add([sa]).then(
        () => added.push(sa.name),
        (error: unknown) => {
          if (grpcCodeOf(error) !== grpcCodes.alreadyExists) throw error;
        },
      );
    }
    return added;
  }
  const missing = searchAttributeRegistrations.filter((sa) => !(sa.name in (existing.customAttributes ?? {})));
  if (missing.length === 0) return [];
  await add(missing).catch((error: unknown) => {
    const code = grpcCodeOf(error);
    if (code === grpcCodes.permissionDenied || code === grpcCodes.unimplemented)
      throw new SearchAttributesMissingError(namespace, missing, (error as Error).message);
    throw error;
  });
  await untilUsable(connection, namespace, missing);
  // The frontend maps them now; the history service, which checks a workflow's upserts, refreshes its namespace cache
  // on its own clock (every 10 s by default): until it has, a session's first workflow task would fail.
  await new Promise((resolve) => setTimeout(resolve, cacheRefreshMs));
  return missing.map((sa) => sa.name);
}

/** How often each service of a Temporal cluster reloads its namespaces (system.namespaceCacheRefreshInterval's default). */
const cacheRefreshMs = 10_000;

/**
 * A cluster takes a few seconds to map attributes it just added (each service refreshes its namespace cache): until
 * then a session that starts is refused ("no mapping defined for search attribute"). Waits, at most `timeoutMs`, until
 * a query naming them is accepted.
 */
async function untilUsable(connection: Connection, namespace: string, added: typeof searchAttributeRegistrations, timeoutMs = 30_000): Promise<void> {
  const probe = { Keyword: '"clawflow-probe"', Int: '-1', Datetime: '"1970-01-01T00:00:00Z"' } as const;
  const query = added.map((sa) => `${sa.name} = ${probe[sa.type]}`).join(' OR ');
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await connection.workflowService.listWorkflowExecutions({ namespace, query, pageSize: 1 });
      return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
}

/**
 * The namespace lacks ClawFlow's search attributes and this client may not add them (Temporal Cloud adds them only
 * through tcld, the Cloud UI or the Cloud Ops API; a cluster may refuse an API key without the admin role). Says the
 * exact commands.
 */
export class SearchAttributesMissingError extends Error {
  override name = 'SearchAttributesMissingError';
  constructor(namespace: string, missing: typeof searchAttributeRegistrations, reason: string) {
    super(
      `The namespace ${namespace} lacks ClawFlow's search attributes (${missing.map((sa) => sa.name).join(', ')}) and this server did not let ClawFlow add them (${reason}). Add them once, then start again:\n${searchAttributeCommands(namespace, missing)}`,
    );
  }
}
