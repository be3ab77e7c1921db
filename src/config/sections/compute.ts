import { z } from 'zod';
import { memoryIdPattern, memoryNamespacePattern } from '../../contracts/agentcore-memory.js';
import { allowedHosts, httpUrl, port } from '../../contracts/config-fields.js';

// Where the work runs: Temporal, the agent runtime, AgentCore Runtime.

/** TLS to a Temporal server: a CA of its own, a client certificate (mTLS), each a file or PEM text (a secret). */
const temporalTls = z
  .object({
    enabled: z.boolean().optional(),
    /** The name the server's certificate is checked against, when it is not the address's host. */
    serverName: z.string().min(1).optional(),
    /** The CA that signed the server's certificate (a file); unset: the system's CAs. */
    serverCaCert: z.string().min(1).optional(),
    serverCaCertData: z.string().min(1).optional(),
    /** The client certificate and its key (mTLS), as files or as PEM text. */
    clientCert: z.string().min(1).optional(),
    clientCertData: z.string().min(1).optional(),
    clientKey: z.string().min(1).optional(),
    clientKeyData: z.string().min(1).optional(),
  })
  .strict()
  .refine((tls) => !(tls.clientCert || tls.clientCertData) === !(tls.clientKey || tls.clientKeyData), {
    message: 'a client certificate needs its key, and a key its certificate (clientCert and clientKey, or their Data forms)',
  });

export const temporal = z
  .object({
    /** host:port of an existing Temporal server. Unset: `clawflow start` runs a dev server. */
    address: z
      .string()
      .regex(/^[^\s:]+:\d{1,5}$/, 'must be host:port')
      .optional(),
    namespace: z.string().min(1).default('default'),
    /**
     * A profile of Temporal's own client configuration (temporal.toml, as the `temporal` CLI reads it): its address,
     * namespace, API key and TLS fill in what is not set here. Unset (and no configFile): no file is read.
     */
    profile: z.string().min(1).optional(),
    /** The temporal.toml to read the profile from. Unset: Temporal's default (~/.config/temporalio/temporal.toml). */
    configFile: z.string().min(1).optional(),
    /** An API key (Temporal Cloud): sent as a bearer token, over TLS. */
    apiKey: z.string().min(1).optional(),
    /** TLS to the server: on with any field below or an API key; `enabled: false` turns it off. */
    tls: temporalTls.optional(),
    /** gRPC headers sent with every call (a proxy's, a Cloud routing header). */
    grpcMeta: z.record(z.string().regex(/^[a-z0-9-]+$/, 'must be a lower-case header name'), z.string()).optional(),
    /**
     * Stack traces of waiting workflows (the Web UI's Stack Trace tab, `temporal workflow stack`). Off by default: to
     * answer that query the SDK records a stack for every promise a workflow makes, which cost a fifth of a warm turn's
     * throughput here (bench:api 63–65 → 81 turns/s). Turn it on to see where a session waits.
     */
    workflowStackTraces: z.boolean().default(false),
    /**
     * Temporal's Worker Deployments for the sessions workers, so that a rolling deploy never hands a session back to
     * older code. `auto`: a starting worker makes its build current when it is a newer release than the current one;
     * `manual`: workers register their build and the operator makes one current (`temporal worker deployment
     * set-current-version`); `off`: unversioned workers, as before 0.11.
     */
    workerVersioning: z
      .object({
        mode: z.enum(['auto', 'manual', 'off']).default('auto'),
        deploymentName: z
          .string()
          .regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,99}$/, 'must be letters, digits, - and _ (no dots)')
          .default('clawflow'),
        /** This worker's build. Unset: the release (package.json's version), compared as semver by `auto`. */
        buildId: z
          .string()
          .regex(/^[A-Za-z0-9][A-Za-z0-9.+_-]{0,99}$/, 'must be letters, digits, ., +, - and _')
          .optional(),
      })
      .strict()
      .prefault({}),
    /** Explicit path of the `temporal` CLI binary. */
    bin: z.string().min(1).optional(),
    /** gRPC port of the dev server that `clawflow start` runs. */
    port: port.default(7233),
    /** Port of the Temporal Web UI ClawFlow serves (behind its guard) for that dev server. */
    uiPort: port.default(8233),
    /** The Web UI's built files (index.html, _app/); unset: the per-machine cache, Go's module cache, or a download. */
    uiAssetsDir: z.string().min(1).optional(),
    /** HTTP API port of that dev server (it answers only ClawFlow's CLI, not web pages). */
    httpPort: port.default(7243),
  })
  .strict()
  .prefault({});

/** How ClawFlow's long-running processes (start, worker, connector, api, runtime) use memory. */
export const memory = z
  .object({
    /**
     * How far a process's JavaScript heaps may grow past what they held live at the last full collection before the
     * next one, in percent (V8's --heap-growing-percent). V8 alone lets a busy process grow to up to 4× its live
     * memory; 50 keeps it near 1.5× (measured with 5,000 sessions: ClawFlow's process 490 MB instead of 790, the turn
     * rate unchanged). 0: V8's own choice.
     */
    heapGrowthPercent: z.number().int().min(0).max(1000).default(50),
  })
  .strict()
  .prefault({});

export const runtime = z
  .object({
    /** Port of the local agent runtime that `clawflow start` runs. */
    port: port.default(18080),
    /** Use an agent runtime already running at this URL instead of starting one. */
    url: httpUrl().optional(),
    /**
     * `token`: /invocations needs the shared secret the workers send (runtime.token, or the state dir's
     * secrets/runtime-token). `none`: only inside AgentCore, where the service authenticates callers.
     */
    auth: z.enum(['token', 'none']).default('token'),
    /** The shared secret between the workers and the runtime when they run on different machines. */
    token: z.string().min(16, 'must be at least 16 characters').optional(),
    allowedHosts,
  })
  .strict()
  .prefault({});

export const agentcore = z
  .object({
    /** ARN of an AgentCore agent runtime. Set: turns run there through the AWS SDK. Unset: the local runtime answers. */
    runtimeArn: z
      .string()
      .regex(
        /^arn:aws[a-z-]*:bedrock-agentcore:[a-z0-9-]+:\d{12}:runtime\/[A-Za-z0-9_-]+$/,
        'must be an agent runtime ARN (arn:aws:bedrock-agentcore:<region>:<account>:runtime/<id>)',
      )
      .optional(),
    /** The runtime endpoint to invoke. */
    qualifier: z.string().min(1).default('DEFAULT'),
    /** Default: the ARN's region. */
    region: z.string().min(1).optional(),
    /** Another endpoint for the AgentCore data plane, e.g. the local emulator (http://127.0.0.1:18090). */
    endpoint: httpUrl().optional(),
    /** The runtime's idle timeout: a session unused this long is gone (AgentCore default 900). */
    idleTimeoutSeconds: z.number().int().min(1).max(28_800).default(900),
    /** The runtime's session lifetime cap (AgentCore: 8 hours). */
    maxLifetimeSeconds: z.number().int().min(1).max(28_800).default(28_800),
    /** Rotate to a fresh runtime session this long before either limit is reached. */
    rotationMarginSeconds: z.number().int().min(0).max(3600).default(60),
    /** An AgentCore Memory (its id). Set: every turn is recorded as an event, and relevant long-term records are recalled into the turn. */
    memoryId: z.string().regex(memoryIdPattern, 'a memory id, e.g. clawflow_memory-AbCdE12345').optional(),
    memory: z
      .object({
        /**
         * Where the memory's strategies keep their records, as in the memory's configuration, with {actorId} (the
         * agent's id) and {sessionId} put in: e.g. "/strategies/<strategyId>/actors/{actorId}". None: events are
         * recorded and nothing is recalled.
         */
        namespaces: z
          .array(z.string().min(1).max(1024).regex(memoryNamespacePattern, 'letters, digits, "/", "-", "_", ":", "*" and {actorId} or {sessionId}'))
          .max(5)
          .default([]),
        /** Most records recalled for a turn, and most characters of them. */
        topK: z.number().int().min(1).max(20).default(5),
        maxChars: z.number().int().min(200).max(20_000).default(2_000),
      })
      .strict()
      .prefault({}),
  })
  .strict()
  .refine((a) => a.rotationMarginSeconds < Math.min(a.idleTimeoutSeconds, a.maxLifetimeSeconds), {
    message: 'must be shorter than idleTimeoutSeconds and maxLifetimeSeconds',
    path: ['rotationMarginSeconds'],
  })
  .refine((a) => !a.memoryId || a.region || a.runtimeArn, { message: "is needed for memoryId without a runtimeArn (the memory's region)", path: ['region'] })
  .prefault({});
