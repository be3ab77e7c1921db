import { isIP } from 'node:net';
import { z } from 'zod';
import { memoryIdPattern, memoryNamespacePattern } from '../contracts/agentcore-memory.js';
import { queueModes } from '../contracts/queue-modes.js';
import { allowedHosts, allowedOrigins, httpUrl, port } from '../contracts/config-fields.js';
import { channelConfigShape } from '../channels/manifests.js';

function isRegex(pattern: string): boolean {
  try {
    new RegExp(pattern);
    return true;
  } catch {
    return false;
  }
}

/** A CIDR block as `address/bits`, with bits in range for the address family. */
function isCidr(entry: string): boolean {
  const [network, bits, ...rest] = entry.split('/');
  const family = isIP(network ?? '');
  if (!family || rest.length || !/^\d{1,3}$/.test(bits ?? '')) return false;
  return Number(bits) <= (family === 4 ? 32 : 128);
}

const identifier = z.string().regex(/^[a-z0-9][a-z0-9_-]{0,63}$/, 'use lowercase letters, digits, "-" and "_" (at most 64)');

/** An MCP server's name: the prefix of its tools' names (`github__create_issue`). */
const mcpServerName = z.string().regex(/^[a-zA-Z0-9][a-zA-Z0-9-]{0,31}$/, 'letters, digits and "-" (at most 32; no "_", which separates it from the tool name)');
/** Host variables named as ${NAME} in a value are put in when the server starts; the value itself never reaches the model. */
const mcpValues = z.record(z.string().min(1), z.string());
const mcpServerCommon = {
  /** Off: not started, its tools not offered. */
  enabled: z.boolean().default(true),
  /** Calls the user approves first (like exec under "ask"): true for every tool of this server, or the tools' own names. */
  ask: z.union([z.boolean(), z.array(z.string().min(1))]).default(false),
  /** Results are marked as outside content the model must not take orders from, unless the server is trusted (its own data). */
  trusted: z.boolean().default(false),
  /** This server's call timeout instead of tools.mcp.timeoutSeconds. */
  timeoutSeconds: z.number().int().min(1).max(86_400).optional(),
};
const mcpServer = z
  .object({
    /** The program that serves MCP on its stdin and stdout (e.g. "npx"), run on the tools host. */
    command: z.string().min(1).optional(),
    args: z.array(z.string()).default([]),
    /** Its environment besides HOME, LOGNAME, PATH, SHELL, TERM and USER: nothing else of the host's is passed. */
    env: mcpValues.default({}),
    /** Its working directory. Unset: the default agent's workspace. */
    cwd: z.string().min(1).optional(),
    /** Or a streamable-HTTP MCP endpoint. */
    url: httpUrl().optional(),
    /** Sent with every request to the URL (e.g. Authorization). */
    headers: mcpValues.default({}),
    ...mcpServerCommon,
  })
  .strict()
  .superRefine((server, context) => {
    const problem = (message: string): void => void context.addIssue({ code: 'custom', message });
    if (!server.command === !server.url) problem('give either "command" (a program serving MCP on stdin and stdout) or "url" (a streamable-HTTP endpoint)');
    else if (server.url && (server.args.length || Object.keys(server.env).length || server.cwd)) problem('"args", "env" and "cwd" are for a command; a server at a URL takes "headers"');
    else if (server.command && Object.keys(server.headers).length) problem('"headers" are for a server at a URL; a command takes "env"');
  });

/** The whole configuration file. Every object is strict so that a misspelt key is reported by name. */
export const configFileSchema = z
  .object({
    agent: z
      .object({
        /** The agent a session key without an agent part belongs to. */
        id: identifier.default('main'),
        /** Longest a single agent invocation may run before it is retried. */
        turnTimeoutSeconds: z.number().int().min(1).max(3600).default(300),
        /** A worker that dies mid-invocation is noticed after this long, and the invocation retried elsewhere. */
        heartbeatTimeoutSeconds: z.number().int().min(1).max(600).default(5),
        /** How long a turn keeps retrying a failing runtime or model before it gives up with an error reply. */
        retryForSeconds: z.number().int().min(1).max(86_400).default(1800),
        /** Tool rounds one turn may take before the model must answer in words. */
        maxToolSteps: z.number().int().min(1).max(100).default(8),
        /**
         * The session worker calls the runtime itself (a local activity): one workflow task per turn instead of two,
         * and no trip through the server's task queues. Off: the call is an activity on the agent task queue, for
         * session workers that cannot reach the runtime (then a worker serving `agent` must run).
         */
        callsInWorker: z.boolean().default(true),
      })
      .strict()
      .prefault({}),
    /** More agents besides the default one (OpenClaw's agents.list): each with its own workspace, model and tools. */
    agents: z
      .object({
        list: z
          .array(
            z
              .object({
                id: identifier,
                /** This agent answers what no binding routes elsewhere (instead of agent.id). */
                default: z.boolean().optional(),
                /** What it is called (shown by clawflow agents list). */
                name: z.string().min(1).max(100).optional(),
                /** Its workspace. Unset: <CLAWFLOW_HOME>/workspace-<id> (the default agent: workspace.dir). */
                workspace: z.string().min(1).optional(),
                /** The model it answers with, one the configured provider serves. Unset: model.name. */
                model: z.string().min(1).max(200).optional(),
                tools: z
                  .object({
                    /** Tools this agent is not offered (e.g. ["exec", "browser"]; "github__*" for every tool of the MCP server "github"). */
                    deny: z.array(z.string().min(1)).default([]),
                    /** Its own exec policy instead of tools.exec.policy. */
                    execPolicy: z.enum(['deny', 'allowlist', 'ask', 'full']).optional(),
                  })
                  .strict()
                  .prefault({}),
              })
              .strict(),
          )
          .max(50)
          .default([]),
      })
      .strict()
      .prefault({}),
    /** Which agent answers which chats (OpenClaw's bindings): the most specific match wins, then the first listed. */
    bindings: z
      .array(
        z
          .object({
            agentId: identifier,
            match: z
              .object({
                channel: z.string().min(1),
                /** The bot or workspace account the message came to (Telegram bot id, Slack team, …). */
                accountId: z.string().min(1).optional(),
                /** One chat: a direct chat with a sender (their id), or a group (its chat id). */
                peer: z.object({ kind: z.enum(['direct', 'group']), id: z.string().min(1) }).strict().optional(),
              })
              .strict(),
          })
          .strict(),
      )
      .max(500)
      .default([]),
    model: z
      .object({
        /** The API family: OpenAI-compatible chat completions (OpenAI, Ollama, vLLM, OpenRouter), Anthropic Messages, or Bedrock Converse. */
        provider: z.enum(['openai-compatible', 'anthropic', 'bedrock']).default('openai-compatible'),
        /** The endpoint, e.g. http://127.0.0.1:11434/v1 for Ollama. Unset with openai-compatible: the built-in echo provider answers. */
        baseUrl: httpUrl().optional(),
        name: z.string().min(1).optional(),
        /** Other models the same provider serves, that a session may switch to with /model (the first of a name wins). */
        choices: z.array(z.string().min(1).max(200)).max(50).default([]),
        apiKey: z.string().min(1).optional(),
        /** An AWS Secrets Manager secret holding the API key, read when the runtime starts (how the AgentCore container gets it). */
        apiKeySecretArn: z.string().regex(/^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:.+$/, 'must be a Secrets Manager secret ARN').optional(),
        /** When that secret is JSON: the field holding the key. */
        apiKeySecretJsonKey: z.string().min(1).optional(),
        /** AWS region of Bedrock (default: AWS_REGION). */
        region: z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'must be an AWS region such as us-east-1').optional(),
        /** Most tokens one model answer may have. */
        maxTokens: z.number().int().min(1).max(200_000).default(4096),
        /** Longest a single model request may take. */
        requestTimeoutSeconds: z.number().int().min(1).max(3600).default(240),
        /** The model sees the images users send (a vision model); false: it is only told they came, and where they are saved. */
        vision: z.boolean().default(true),
      })
      .strict()
      .refine((model) => model.provider !== 'openai-compatible' || !model.baseUrl || model.name, { message: 'is required when model.baseUrl is set', path: ['name'] })
      .refine((model) => model.provider === 'openai-compatible' || model.name, { message: 'is required for this provider', path: ['name'] })
      .refine((model) => model.provider !== 'anthropic' || model.apiKey || model.apiKeySecretArn, { message: 'is required for the anthropic provider (or apiKeySecretArn)', path: ['apiKey'] })
      .prefault({}),
    temporal: z
      .object({
        /** host:port of an existing Temporal server. Unset: `clawflow start` runs a dev server. */
        address: z.string().regex(/^[^\s:]+:\d{1,5}$/, 'must be host:port').optional(),
        namespace: z.string().min(1).default('default'),
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
      .prefault({}),
    runtime: z
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
      .prefault({}),
    agentcore: z
      .object({
        /** ARN of an AgentCore agent runtime. Set: turns run there through the AWS SDK. Unset: the local runtime answers. */
        runtimeArn: z
          .string()
          .regex(/^arn:aws[a-z-]*:bedrock-agentcore:[a-z0-9-]+:\d{12}:runtime\/[A-Za-z0-9_-]+$/, 'must be an agent runtime ARN (arn:aws:bedrock-agentcore:<region>:<account>:runtime/<id>)')
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
            namespaces: z.array(z.string().min(1).max(1024).regex(memoryNamespacePattern, 'letters, digits, "/", "-", "_", ":", "*" and {actorId} or {sessionId}')).max(5).default([]),
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
      .refine((a) => !a.memoryId || a.region || a.runtimeArn, { message: 'is needed for memoryId without a runtimeArn (the memory\'s region)', path: ['region'] })
      .prefault({}),
    workspace: z
      .object({
        /** The agent's workspace: AGENTS.md, SOUL.md, USER.md, MEMORY.md, memory/ notes; its tools work inside it. Default: <CLAWFLOW_HOME>/workspace. */
        dir: z.string().min(1).optional(),
        /** Most characters of workspace files put into the system prompt (the rest is cut, with a note). */
        promptMaxChars: z.number().int().min(1000).max(500_000).default(24_000),
      })
      .strict()
      .prefault({}),
    tools: z
      .object({
        exec: z
          .object({
            /**
             * `deny`: never run commands; `allowlist`: only allowlisted ones; `ask`: allowlisted ones run, anything
             * else is asked for (once, or always for this exact invocation); `full`: everything runs unasked.
             */
            policy: z.enum(['deny', 'allowlist', 'ask', 'full']).default('ask'),
            /** Regular expressions over one simple command's arguments (`git status`, `ls( -la)?`); every command of a line must match one. */
            allowlist: z.array(z.string().refine(isRegex, 'must be a valid regular expression')).default([]),
            /** Host environment variables commands get besides PATH, HOME, USER, LANG, LC_*, TERM, TZ, SHELL (e.g. GITHUB_TOKEN). */
            env: z.array(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'an environment variable name')).default([]),
            /** Default and largest timeout of one command. */
            timeoutSeconds: z.number().int().min(1).max(86_400).default(120),
            maxTimeoutSeconds: z.number().int().min(1).max(86_400).default(1800),
            /** Most bytes of output returned (head and tail kept). */
            outputCapBytes: z.number().int().min(1000).max(10_000_000).default(32_000),
            /** How long the session waits for the user's answer to an approval request. */
            approvalTimeoutSeconds: z.number().int().min(1).max(86_400).default(600),
            /**
             * Where commands run: `bwrap` under bubblewrap (the workspace read-write, the system's programs read-only,
             * nothing else of the filesystem, no network, its own PIDs), `none` on the host, `auto` (the default) bwrap
             * when it works here. A string, or `{ mode, network, readOnlyPaths }`.
             */
            sandbox: z.preprocess(
              (value) => (typeof value === 'string' ? { mode: value } : value),
              z
                .object({
                  mode: z.enum(['auto', 'bwrap', 'none']).default('auto'),
                  /** Commands in the sandbox may use the network (the host's, loopback included). */
                  network: z.boolean().default(false),
                  /** More folders commands may read (a toolchain outside /usr, e.g. ~/.nvm), absolute paths. */
                  readOnlyPaths: z.array(z.string().regex(/^\//, 'an absolute path')).default([]),
                })
                .strict()
                .prefault({}),
            ),
          })
          .strict()
          .prefault({}),
        files: z
          .object({
            maxReadBytes: z.number().int().min(1000).max(100_000_000).default(256_000),
            maxWriteBytes: z.number().int().min(1000).max(100_000_000).default(5_000_000),
          })
          .strict()
          .prefault({}),
        sessions: z
          .object({
            /**
             * Which other sessions the session tools (sessions_list, sessions_history, sessions_send) reach: `tree`, the
             * sub-agents a session spawned; `agent`, every session of its agent (other people's chats too).
             */
            visibility: z.enum(['tree', 'agent']).default('tree'),
            /** Sub-agents one turn may spawn (sessions_spawn), all of them running at once at most. */
            maxSpawnsPerTurn: z.number().int().min(0).max(50).default(5),
            /** Sub-agents one conversation may spawn in a (UTC) day, counted from what its history records. */
            maxSpawnsPerDay: z.number().int().min(0).max(10_000).default(50),
          })
          .strict()
          .prefault({}),
        message: z
          .object({
            /** Chats besides the conversation's own the agent's `message` tool may write to: "channel:chat", e.g. "telegram:123456". */
            allowedTargets: z.array(z.string().regex(/^[a-z]+:.+$/, 'channel:chat, e.g. telegram:123456')).default([]),
          })
          .strict()
          .prefault({}),
        web: z
          .object({
            /** web_fetch: the largest response kept, and how long a page may take. */
            fetchMaxBytes: z.number().int().min(10_000).max(50_000_000).default(2_000_000),
            fetchTimeoutSeconds: z.number().int().min(1).max(300).default(20),
            /** web_search's provider: the Brave Search API, Tavily, or a SearXNG instance (searchUrl). Unset: the tool says what to set. */
            searchProvider: z.enum(['brave', 'tavily', 'searxng']).optional(),
            /** Brave's subscription token or Tavily's key; better in CLAWFLOW_WEB_SEARCH_API_KEY than in this file. */
            searchApiKey: z.string().min(1).optional(),
            /** The provider's address: a SearXNG instance (required for searxng), or another endpoint for Brave or Tavily. */
            searchUrl: httpUrl().optional(),
          })
          .strict()
          .refine((web) => web.searchProvider !== 'searxng' || web.searchUrl, { message: 'is required for the searxng provider', path: ['searchUrl'] })
          .refine((web) => !web.searchProvider || web.searchProvider === 'searxng' || web.searchApiKey, { message: 'is required for this provider', path: ['searchApiKey'] })
          .prefault({}),
        browser: z
          .object({
            enabled: z.boolean().default(true),
            /** Chromium or Chrome; default: the first of /usr/bin/chromium, /usr/bin/chromium-browser, /usr/bin/google-chrome found. */
            executablePath: z.string().min(1).optional(),
            /** A session's pages close after this long unused; the browser, once no session has pages. */
            idleSeconds: z.number().int().min(5).max(86_400).default(300),
            /**
             * Private destinations the browser may open anyway (loopback, LAN, link-local are refused by default): `host`,
             * `host:port`, an address, or a CIDR block (`192.168.1.0/24`). ClawFlow's own ports never open.
             */
            allowPrivateNetwork: z
              .array(z.string().min(1).refine((entry) => !entry.includes('/') || isCidr(entry), { message: 'a CIDR block is an address and a prefix length, like 192.168.1.0/24 or fd00::/8' }))
              .default([]),
            /** The largest download kept (in the workspace's downloads/). */
            maxDownloadBytes: z.number().int().min(1000).max(2_000_000_000).default(50_000_000),
          })
          .strict()
          .prefault({}),
        mcp: z
          .object({
            /**
             * MCP servers whose tools the agent is offered, as `<server>__<tool>`: a command run on the tools host (stdio)
             * or a streamable-HTTP URL. Values of `env` and `headers` may name host variables: "Bearer ${GITHUB_TOKEN}".
             */
            servers: z.record(mcpServerName, mcpServer).default({}),
            /** How long a server may take to start and list its tools before it is left out (and tried again later). */
            connectTimeoutSeconds: z.number().int().min(1).max(120).default(10),
            /** Default and largest time one call may take. */
            timeoutSeconds: z.number().int().min(1).max(86_400).default(120),
            /** Most bytes of one result kept (head and tail); a long result is saved in the workspace and read in pieces. */
            outputCapBytes: z.number().int().min(1000).max(10_000_000).default(200_000),
          })
          .strict()
          .prefault({}),
      })
      .strict()
      .prefault({}),
    channels: z
      .object({
        ...channelConfigShape,
        /** The loopback port on which the connector takes the text of replies being written, from the agent worker (streaming). */
        previewPort: port.default(18793),
      })
      .strict()
      .prefault({}),
    schedules: z
      .object({
        /** A firing missed while the workers were down runs once when they return, if it is at most this old. */
        catchupWindowSeconds: z.number().int().min(60).max(30 * 86_400).default(3600),
        /** A heartbeat answer that is only this token is not sent. */
        heartbeatSilentToken: z.string().min(2).default('HEARTBEAT_OK'),
        /** The zone cron expressions, `--at` times and active hours are read in (default: this machine's). */
        timeZone: z.string().min(1).optional(),
      })
      .strict()
      .prefault({}),
    /**
     * Webhooks in: `POST /hooks/<name>` on the API port (the API's token) turns a JSON body into a turn of the agent,
     * the answer optionally sent to a chat. One turn per idempotency key, however often the sender retries.
     */
    hooks: z
      .record(
        z.string().regex(/^[a-z0-9][a-z0-9_-]{0,63}$/, 'a hook name: lowercase letters, digits, - and _'),
        z
          .object({
            /** What the agent is told: `{{a.b}}` is the body's field a.b, `{{body}}` the whole body as JSON. */
            message: z.string().min(1).default('A webhook came in:\n{{body}}'),
            /** `isolated`: a conversation of its own per call; `main`: the agent's main session. */
            session: z.enum(['isolated', 'main']).default('isolated'),
            /** Where the answer goes (`channel:chat`, e.g. telegram:123456789); unset: kept in the session only. */
            to: z.string().regex(/^[a-z]+:.+$/, 'channel:chat, e.g. telegram:123456789').optional(),
            /** The agent that answers (default: the default agent). */
            agent: z.string().min(1).optional(),
            /** The body field that identifies a delivery (`id`, `delivery.id`): a retried one runs no second turn. The Idempotency-Key header wins. */
            idempotencyField: z.string().min(1).optional(),
            /** The bearer token this hook's sender sends; unset: one ClawFlow makes (secrets/hook-<name>). Never the API's. */
            token: z.string().min(16, 'must be at least 16 characters').optional(),
          })
          .strict(),
      )
      .default({}),
    api: z
      .object({
        /** Serve the OpenAI-compatible API (POST /v1/chat/completions, GET /v1/models) from `clawflow start`. */
        enabled: z.boolean().default(true),
        port: port.default(18788),
        /** Address to bind. */
        host: z.string().min(1).default('127.0.0.1'),
        /** `token`: every request needs `Authorization: Bearer <token>`. `none`: no token, on loopback only (a warning at start). */
        auth: z.enum(['token', 'none']).default('token'),
        /** The bearer token. Unset: the one ClawFlow made on first start, in <home>/secrets/api-token. */
        token: z.string().min(8, 'must be at least 8 characters').optional(),
        maxBodyBytes: z.number().int().min(1024).max(100_000_000).default(1_000_000),
        allowedHosts,
        allowedOrigins,
      })
      .strict()
      .refine((api) => api.auth === 'token' || ['127.0.0.1', 'localhost', '::1'].includes(api.host), {
        message: 'api.auth "none" is for loopback only: serving the API beyond this machine needs its token',
        path: ['auth'],
      })
      .prefault({}),
    session: z
      .object({
        /** Finished turns kept in the session (and sent to the model as context). */
        historyTurns: z.number().int().min(1).max(500).default(40),
        /**
         * The conversation's share of a model request, in tokens (estimated from characters): as it nears this, the
         * older turns are summarised by the model into the context (compaction).
         */
        contextTokens: z.number().int().min(1000).max(2_000_000).default(32_000),
        /**
         * When a conversation starts afresh on its own, checked when a message comes (OpenClaw's session.reset): `off`
         * (ClawFlow's default: compaction keeps a long conversation within the budget), `daily` (the first message after
         * `atHour`, in schedules.timeZone), `idle` (after `idleMinutes` without a turn; with `daily` too, the first to expire wins).
         */
        reset: z
          .object({
            mode: z.enum(['off', 'daily', 'idle']).default('off'),
            atHour: z.number().int().min(0).max(23).default(4),
            idleMinutes: z.number().min(0).max(525_600).default(0),
          })
          .strict()
          .refine((reset) => reset.mode !== 'idle' || reset.idleMinutes > 0, { message: 'mode "idle" needs idleMinutes', path: ['idleMinutes'] })
          .prefault({}),
        /** A session's workflow continues as new after this many turns in one run. */
        continueAsNewAfterTurns: z.number().int().min(1).max(10_000).default(200),
        /** How many recent message ids are remembered to drop redeliveries. */
        dedupeWindow: z.number().int().min(10).max(100_000).default(1000),
        /**
         * Sessions a sessions worker keeps in memory (each about 2 MB); one not kept replays its short history when its
         * next message comes (milliseconds). 0: none kept.
         */
        maxCached: z.number().int().min(0).max(100_000).default(25),
      })
      .strict()
      .prefault({}),
    messages: z
      .object({
        queue: z
          .object({
            /** Messages that may wait behind a running turn (OpenClaw's messages.queue.cap). */
            cap: z.number().int().min(1).max(1000).default(20),
            /** Their characters together: what waits travels in Temporal's history, which caps payloads at 2 MB. */
            maxChars: z.number().int().min(1000).max(300_000).default(100_000),
            /** When full: `summarize` (the oldest gives way and the next turn hears how it began), `old` (the oldest gives way), `new` (the newcomer is refused). */
            drop: z.enum(['summarize', 'old', 'new']).default('summarize'),
            /**
             * What messages sent while a turn runs do: `collect` (one next turn for them all), `followup` (a turn each),
             * `steer` (into the running turn at its next tool step), `interrupt` (cancel it; the next turn answers all).
             */
            mode: z.enum(queueModes).default('collect'),
            /** In `collect`, `steer` and `interrupt`: the next turn waits until the waiting messages have been quiet this long. */
            debounceMs: z.number().int().min(0).max(60_000).default(500),
          })
          .strict()
          .prefault({}),
      })
      .strict()
      .prefault({}),
    media: z
      .object({
        /**
         * Voice notes and audio are transcribed through an OpenAI-compatible `/audio/transcriptions` endpoint (OpenAI,
         * Groq, a local whisper.cpp or faster-whisper server). Unset: the sender is told what to set.
         */
        transcription: z
          .object({
            baseUrl: httpUrl().optional(),
            apiKey: z.string().min(1).optional(),
            model: z.string().min(1).default('whisper-1'),
          })
          .strict()
          .prefault({}),
        /** The largest file a user sends that is kept (voice notes, documents, photos). */
        maxBytes: z.number().int().min(10_000).max(500_000_000).default(25_000_000),
        /** How much of a document's text (PDF, text files) the agent is given with the message; the file has the rest. */
        documentTextChars: z.number().int().min(0).max(100_000).default(8_000),
        /**
         * Where the tools host serves the images users sent to the agent runtime (short-lived signed links, downscaled).
         * 0: a free loopback port, which a runtime on this machine reaches.
         */
        imagePort: z.union([port, z.literal(0)]).default(0),
        /**
         * The address a runtime elsewhere (AgentCore) reaches that image server at, e.g. an HTTPS tunnel or reverse
         * proxy to media.imagePort. Unset: the loopback address.
         */
        imageBaseUrl: httpUrl().optional(),
      })
      .strict()
      .prefault({}),
    metrics: z
      .object({
        /** Serve Prometheus metrics (Temporal's and ClawFlow's clawflow_*) on 127.0.0.1:<port>/metrics from the workers' process. Unset: off. */
        port: port.optional(),
      })
      .strict()
      .prefault({}),
    tracing: z
      .object({
        /**
         * OTLP/HTTP traces endpoint (e.g. http://127.0.0.1:4318/v1/traces, a collector or Jaeger): each message's trace
         * from the client through the workflow, its activities, the runtime and the model. Unset: no tracing.
         */
        otlpEndpoint: httpUrl().optional(),
      })
      .strict()
      .prefault({}),
    history: z
      .object({
        /**
         * Encrypt what ClawFlow writes to Temporal (messages, replies, tool input and output) with AES-256-GCM, the key
         * in secrets/history-key; the Web UI reads it through the codec server `clawflow start` runs.
         */
        encrypt: z.boolean().default(true),
        /** The loopback port of that codec server (the dev server's Web UI is pointed at it). */
        codecPort: port.default(18794),
      })
      .strict()
      .prefault({}),
    skills: z
      .object({
        /** More folders of skills, after the workspace's (skills/, .agents/skills/), the managed (<home>/skills) and the bundled ones. */
        extraDirs: z.array(z.string().min(1)).default([]),
        /** Offer the skills ClawFlow ships. */
        bundled: z.boolean().default(true),
        /** The most characters the skills list may take in the system prompt. */
        maxPromptChars: z.number().int().min(0).max(200_000).default(20_000),
        /** Per skill (by name): `enabled: false` turns one off. */
        entries: z.record(z.string(), z.object({ enabled: z.boolean().optional() }).strict()).default({}),
      })
      .strict()
      .prefault({}),
    log: z
      .object({
        level: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']).default('info'),
      })
      .strict()
      .prefault({}),
  })
  .strict();

export type ConfigFile = z.infer<typeof configFileSchema>;
