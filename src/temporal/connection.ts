import { Client, Connection } from '@temporalio/client';
import protos from '@temporalio/proto';
import type { ClawflowConfig } from '../config/load.js';
import { temporalAddress } from './address.js';
import { searchAttributeRegistrations } from '../workflows/search-attributes.js';
import { dataConverterFor } from './data-converter.js';

const IndexedValueType = protos.temporal.api.enums.v1.IndexedValueType;
const indexedTypes = {
  Keyword: IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD,
  Int: IndexedValueType.INDEXED_VALUE_TYPE_INT,
  Datetime: IndexedValueType.INDEXED_VALUE_TYPE_DATETIME,
} as const;

/** Runs `work` with a connected client and closes the connection after, however it ends. */
export async function withClient<T>(config: ClawflowConfig, work: (client: Client) => Promise<T>): Promise<T> {
  const client = await connectClient(config);
  try {
    return await work(client);
  } finally {
    await client.connection.close();
  }
}

/** Connects once; fails fast with an actionable message when nothing answers. */
export async function connectClient(config: ClawflowConfig, timeoutMs = 5000): Promise<Client> {
  const address = temporalAddress(config);
  let connection: Connection;
  try {
    connection = await Connection.connect({ address, connectTimeout: timeoutMs });
  } catch (error) {
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
export async function waitForTemporal(address: string, namespace: string, timeoutMs: number, isAlive: () => boolean = () => true): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    if (!isAlive()) throw new Error(`the Temporal server exited before it became ready`);
    try {
      const connection = await Connection.connect({ address, connectTimeout: 1000 });
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
  throw new Error(`Temporal at ${address} was not ready within ${timeoutMs / 1000} s: ${(lastError as Error | undefined)?.message ?? 'no answer'}`);
}

/** Registers ClawFlow's custom search attributes on a server that lacks them (a dev server gets them at start). */
export async function ensureSearchAttributes(connection: Connection, namespace: string): Promise<string[]> {
  const existing = await connection.operatorService.listSearchAttributes({ namespace });
  const missing = searchAttributeRegistrations.filter((sa) => !(sa.name in (existing.customAttributes ?? {})));
  if (missing.length === 0) return [];
  await connection.operatorService.addSearchAttributes({
    namespace,
    searchAttributes: Object.fromEntries(missing.map((sa) => [sa.name, indexedTypes[sa.type]])),
  });
  return missing.map((sa) => sa.name);
}
