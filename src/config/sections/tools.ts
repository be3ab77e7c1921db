import { isIP } from 'node:net';
import { z } from 'zod';
import { isDuration, parseDuration } from '../../contracts/duration.js';
import { httpUrl } from '../../contracts/config-fields.js';

// The agent's workspace, its tools and its skills.

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

/** An MCP server's name: the prefix of its tools' names (`github__create_issue`). */
const mcpServerName = z
  .string()
  .regex(/^[a-zA-Z0-9][a-zA-Z0-9-]{0,31}$/, 'letters, digits and "-" (at most 32; no "_", which separates it from the tool name)');
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
    else if (server.url && (server.args.length || Object.keys(server.env).length || server.cwd))
      problem('"args", "env" and "cwd" are for a command; a server at a URL takes "headers"');
    else if (server.command && Object.keys(server.headers).length) problem('"headers" are for a server at a URL; a command takes "env"');
  });

export const workspace = z
  .object({
    /** The agent's workspace: AGENTS.md, SOUL.md, USER.md, MEMORY.md, memory/ notes; its tools work inside it. Default: <CLAWFLOW_HOME>/workspace. */
    dir: z.string().min(1).optional(),
    /** Most characters of workspace files put into the system prompt (the rest is cut, with a note). */
    promptMaxChars: z.number().int().min(1000).max(500_000).default(24_000),
  })
  .strict()
  .prefault({});

export const tools = z
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
        /**
         * How long an approval request stays open (then it is denied, and the conversation told): a duration, "24h"
         * by default (the older `approvalTimeoutSeconds`, in seconds, wins when it is set). See `approvals` for reminders.
         */
        approvalTtl: z
          .string()
          .refine(isDuration, 'a duration: 30m, 24h, 2d')
          .refine((text) => !isDuration(text) || parseDuration(text) <= maxApprovalTtlMs, 'at most 30d')
          .default('24h'),
        approvalTimeoutSeconds: z.number().int().min(1).max(2_592_000).optional(),
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
    /**
     * How long a tool call waits for its host (a `clawflow worker --queues tools` that is asleep or offline) before
     * the model is told it did not run: a duration; `hostWaitPerTool` sets it for single tools (`{"exec": "8h"}`).
     */
    hostWait: z.string().refine(isDuration, 'a duration: 10m, 1h, 1d').default('1h'),
    hostWaitPerTool: z.record(z.string().min(1), z.string().refine(isDuration, 'a duration: 10m, 1h, 1d')).default({}),
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
      .refine((web) => !web.searchProvider || web.searchProvider === 'searxng' || web.searchApiKey, {
        message: 'is required for this provider',
        path: ['searchApiKey'],
      })
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
          .array(
            z
              .string()
              .min(1)
              .refine((entry) => !entry.includes('/') || isCidr(entry), {
                message: 'a CIDR block is an address and a prefix length, like 192.168.1.0/24 or fd00::/8',
              }),
          )
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
  .prefault({});

export const skills = z
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
  .prefault({});

const maxApprovalTtlMs = 30 * 86_400_000;
const durationOrOff = z.string().refine((text) => text === 'off' || isDuration(text), 'a duration (30m, 4h, 1d) or "off"');

/** What happens while an approval request waits (its lifetime is tools.exec.approvalTtl). */
export const approvals = z
  .object({
    /** Remind the chat that asked (and, once escalated, the escalation chats) this often while it waits; "off": never. */
    remindEvery: durationOrOff.default('4h'),
    /** Chats ("channel:chat", e.g. "telegram:123456") told of a request still open after `escalateAfter`; their owner may answer it. */
    escalateTo: z.array(z.string().regex(/^[a-z]+:.+$/, 'a chat as channel:chat, e.g. telegram:123456')).default([]),
    escalateAfter: z.string().refine(isDuration, 'a duration: 30m, 1h, 1d').default('1h'),
  })
  .strict()
  .prefault({});
