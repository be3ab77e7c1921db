import { fileURLToPath } from 'node:url';
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { Connection, type ConnectionOptions } from '@temporalio/client';
import type { TestPki } from './test-certificates.js';
import { msToTs } from '@temporalio/common/lib/time.js';
import { freePort } from './ports.js';

/**
 * A real Temporal cluster on this machine, without Docker: PostgreSQL from Debian's packages and a full Temporal
 * server (`.ci/temporal-server` builds it), schema set up by Temporal's own SQL tool.
 */

const serverVersion = process.env.CLAWFLOW_TEMPORAL_SERVER_VERSION ?? 'v1.30.8';
const serverDir = join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'clawflow', 'temporal-server', serverVersion);

/** The PostgreSQL server binaries (newest major version installed), or null. */
function postgresBin(): string | null {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return null;
  const majors = readdirSync(root)
    .filter((v) => existsSync(join(root, v, 'bin', 'postgres')))
    .sort((a, b) => Number(b) - Number(a));
  return majors.length ? join(root, majors[0]!, 'bin') : null;
}

/** Why the cluster cannot run here, or null when it can. */
export function clusterMissing(): string | null {
  if (!postgresBin()) return 'PostgreSQL is not installed (apt-get install postgresql)';
  if (!existsSync(join(serverDir, 'server')) || !existsSync(join(serverDir, 'schema')))
    return `the Temporal server is not built (bash .ci/temporal-server): ${serverDir}`;
  return null;
}

/** PostgreSQL refuses to run as root: as root, its processes run as the `postgres` user Debian's package made. */
function postgresUser(): { uid: number; gid: number } | null {
  if (userInfo().uid !== 0) return null;
  const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
  const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
  return { uid, gid };
}

function collect(child: ChildProcess): () => string {
  let text = '';
  child.stdout?.on('data', (chunk: Buffer) => (text += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (text += chunk.toString()));
  return () => text;
}

async function waitUntil(what: string, ready: () => Promise<boolean>, output: () => string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await ready().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`${what} did not come up within ${timeoutMs / 1000} s:\n${output().slice(-4000)}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/** A PostgreSQL server in a temporary data dir, on loopback, that a test can kill and start again. */
export class Postgres {
  readonly dataDir: string;
  private child: ChildProcess | null = null;
  private output: () => string = () => '';
  private readonly bin = postgresBin()!;
  private readonly user = postgresUser();

  private constructor(
    readonly root: string,
    readonly port: number,
  ) {
    this.dataDir = join(root, 'data');
  }

  static async create(): Promise<Postgres> {
    const root = mkdtempSync(join(tmpdir(), 'clawflow-pg-'));
    const pg = new Postgres(root, await freePort());
    if (pg.user) chownSync(root, pg.user.uid, pg.user.gid);
    // Trust on loopback only: the server listens on 127.0.0.1 and a socket in its own temporary directory.
    execFileSync(join(pg.bin, 'initdb'), ['-D', pg.dataDir, '-U', 'temporal', '--auth=trust', '-E', 'UTF8', '--no-sync'], {
      stdio: 'pipe',
      ...(pg.user ?? {}),
    });
    return pg;
  }

  async start(): Promise<void> {
    const args = [
      '-D',
      this.dataDir,
      '-p',
      String(this.port),
      '-k',
      this.root,
      '-c',
      'listen_addresses=127.0.0.1',
      '-c',
      'fsync=off',
      '-c',
      'max_connections=200',
    ];
    this.child = spawn(join(this.bin, 'postgres'), args, { stdio: ['ignore', 'pipe', 'pipe'], ...(this.user ?? {}) });
    this.output = collect(this.child);
    await waitUntil(
      'PostgreSQL',
      async () => /ready to accept connections/.test(this.output()),
      () => this.output(),
    );
  }

  /** Writes everything in memory and the WAL out to the table files, so what the database holds is on disk. */
  checkpoint(): void {
    execFileSync(join(this.bin, 'psql'), ['-h', '127.0.0.1', '-p', String(this.port), '-U', 'temporal', '-d', 'temporal', '-c', 'CHECKPOINT'], {
      stdio: 'pipe',
    });
  }

  /** Stops it at once (SIGKILL to the postmaster, as a crash or an OOM kill would). */
  async kill(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
    // The postmaster's children notice it is gone and leave; a new postmaster waits for the shared memory they hold.
    await new Promise((resolve) => setTimeout(resolve, 500));
    this.child = null;
  }

  async stop(): Promise<void> {
    const child = this.child;
    if (child && child.exitCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGINT');
      await exited;
    }
    this.child = null;
    rmSync(this.root, { recursive: true, force: true });
  }
}

/** A full Temporal server (frontend, history, matching, worker) on PostgreSQL, with a `default` namespace. */
export class TemporalServer {
  private child: ChildProcess | null = null;
  private output: () => string = () => '';

  private constructor(
    readonly address: string,
    /** Its HTTP API, locked as docker-compose.yml locks it (deploy/temporal-dynamicconfig/clawflow.yaml). */
    readonly httpUrl: string,
    private readonly configFile: string,
    /** How a client of this server connects (TLS with the test's client certificate, when the server wants it). */
    readonly clientOptions: ConnectionOptions,
  ) {}

  /**
   * With `pki`, the frontend speaks TLS only and requires a client certificate signed by the test's CA (mutual TLS);
   * the server's own system worker presents `pki.internal`.
   */
  static async create(pg: Postgres, namespaces: string[], pki?: TestPki): Promise<TemporalServer> {
    const sql = (database: string, ...args: string[]): void => {
      execFileSync(
        join(serverDir, 'sql'),
        ['--plugin', 'postgres12', '--ep', '127.0.0.1', '-p', String(pg.port), '-u', 'temporal', '--db', database, ...args],
        { stdio: 'pipe' },
      );
    };
    for (const [database, schema] of [
      ['temporal', 'temporal'],
      ['temporal_visibility', 'visibility'],
    ] as const) {
      sql(database, 'create-database');
      sql(database, 'setup-schema', '-v', '0.0');
      sql(database, 'update-schema', '-d', join(serverDir, 'schema', 'postgresql', 'v12', schema, 'versioned'));
    }
    const dir = mkdtempSync(join(tmpdir(), 'clawflow-temporal-'));
    const ports = { grpc: await freePort(), http: await freePort(), metrics: await freePort(), pprof: await freePort() };
    const services: Record<string, { grpcPort: number; membershipPort: number; httpPort?: number }> = {};
    for (const name of ['frontend', 'history', 'matching', 'worker']) {
      services[name] = {
        grpcPort: name === 'frontend' ? ports.grpc : await freePort(),
        membershipPort: await freePort(),
        ...(name === 'frontend' ? { httpPort: ports.http } : {}),
      };
    }
    const datastore = (database: string, maxConns: number): Record<string, unknown> => ({
      sql: {
        pluginName: 'postgres12',
        databaseName: database,
        connectAddr: `127.0.0.1:${pg.port}`,
        connectProtocol: 'tcp',
        user: 'temporal',
        password: '',
        maxConns,
        maxIdleConns: maxConns,
        maxConnLifetime: '1h',
      },
    });
    const config = {
      log: { stdout: true, level: 'warn' },
      persistence: {
        defaultStore: 'postgres-default',
        visibilityStore: 'postgres-visibility',
        numHistoryShards: 4,
        datastores: { 'postgres-default': datastore('temporal', 20), 'postgres-visibility': datastore('temporal_visibility', 5) },
      },
      global: {
        membership: { maxJoinDuration: '30s', broadcastAddress: '127.0.0.1' },
        pprof: { port: ports.pprof },
        metrics: { prometheus: { framework: 'tally', timerType: 'histogram', listenAddress: `127.0.0.1:${ports.metrics}` } },
        ...(pki
          ? {
              tls: {
                frontend: {
                  server: { certFile: pki.server.cert, keyFile: pki.server.key, requireClientAuth: true, clientCaFiles: [pki.ca.cert] },
                  client: { serverName: 'localhost', rootCaFiles: [pki.ca.cert] },
                },
                systemWorker: { certFile: pki.internal.cert, keyFile: pki.internal.key, client: { serverName: 'localhost', rootCaFiles: [pki.ca.cert] } },
              },
            }
          : {}),
      },
      services: Object.fromEntries(Object.entries(services).map(([name, rpc]) => [name, { rpc: { ...rpc, bindOnLocalHost: true } }])),
      clusterMetadata: {
        enableGlobalNamespace: false,
        failoverVersionIncrement: 10,
        masterClusterName: 'active',
        currentClusterName: 'active',
        clusterInformation: { active: { enabled: true, initialFailoverVersion: 1, rpcName: 'frontend', rpcAddress: `127.0.0.1:${ports.grpc}` } },
      },
      dcRedirectionPolicy: { policy: 'noop' },
      // The dynamic config docker-compose.yml gives its Temporal server: the HTTP API answers one Host name only.
      dynamicConfigClient: { filepath: fileURLToPath(new URL('../../deploy/temporal-dynamicconfig/clawflow.yaml', import.meta.url)), pollInterval: '10s' },
    };
    // JSON is YAML: the server reads this file as its YAML config.
    const configFile = join(dir, 'config.yaml');
    writeFileSync(configFile, JSON.stringify(config, null, 2));
    const address = `127.0.0.1:${ports.grpc}`;
    const clientOptions: ConnectionOptions = pki
      ? {
          address,
          tls: {
            serverNameOverride: 'localhost',
            serverRootCACertificate: readFileSync(pki.ca.cert),
            clientCertPair: { crt: readFileSync(pki.client.cert), key: readFileSync(pki.client.key) },
          },
        }
      : { address };
    const server = new TemporalServer(address, `http://127.0.0.1:${ports.http}`, configFile, clientOptions);
    await server.start();
    const connection = await Connection.connect(clientOptions);
    try {
      for (const namespace of namespaces) {
        await connection.workflowService.registerNamespace({ namespace, workflowExecutionRetentionPeriod: msToTs('1 day') });
      }
      // A namespace reaches every service's cache within seconds; until then, calls naming it are refused.
      await waitUntil(
        'the namespaces',
        async () => {
          for (const namespace of namespaces) await connection.workflowService.listWorkflowExecutions({ namespace, pageSize: 1 });
          return true;
        },
        () => server.output(),
      );
    } finally {
      await connection.close();
    }
    return server;
  }

  async start(): Promise<void> {
    this.child = spawn(join(serverDir, 'server'), ['--config-file', this.configFile, '--allow-no-auth', 'start'], { stdio: ['ignore', 'pipe', 'pipe'] });
    this.output = collect(this.child);
    await waitUntil(
      'the Temporal server',
      async () => {
        const connection = await Connection.connect({ ...this.clientOptions, connectTimeout: 1000 });
        try {
          await connection.healthService.check({});
          return true;
        } finally {
          await connection.close();
        }
      },
      () => this.output(),
      120_000,
    );
  }

  async stop(): Promise<void> {
    const child = this.child;
    if (child && child.exitCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
    }
    this.child = null;
    rmSync(join(this.configFile, '..'), { recursive: true, force: true });
  }
}

/** Where PostgreSQL keeps its files: a test greps them for what must not be there in plain text. */
export function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name));
}
