import { mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { getDefaultEnvironment, StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport, StreamableHTTPError } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import {
  ErrorCode,
  McpError,
  ToolListChangedNotificationSchema,
  type CallToolResult,
  type Tool as McpToolDefinition,
} from '@modelcontextprotocol/sdk/types.js';
import type { ClawflowConfig } from '../config/load.js';
import { createLogger, type Logger } from '../logger.js';
import { exposedToolName } from './mcp-results.js';
import { ToolError } from './tool.js';
import { untrusted } from '../contracts/untrusted.js';
import { clawflowVersion } from './user-agent.js';

type McpConfig = ClawflowConfig['tools']['mcp'];
export type McpServerConfig = McpConfig['servers'][string];

/** One tool of one server, under the name the model calls it by. */
export interface McpTool {
  /** `<server>__<tool>`, as the model knows it. */
  name: string;
  server: string;
  /** The server's own name for it. */
  tool: string;
  description: string;
  inputSchema: Record<string, unknown>;
  /** The user approves each call first (the server's `ask`). */
  ask: boolean;
  /** Its results are the server's own data, not outside content. */
  trusted: boolean;
}

/** How a server stands, for `clawflow mcp list` and the logs. */
export interface McpServerStatus {
  name: string;
  /** The command line or the URL. */
  target: string;
  state: 'disabled' | 'not started' | 'starting' | 'connected' | 'failed' | 'stopped';
  /** Why it failed or stopped (with the end of what it wrote to stderr). */
  detail?: string;
  pid?: number;
  tools: McpTool[];
}

/**
 * How each configured server stands when started here as the tools host starts it (`clawflow mcp list`, `clawflow
 * doctor`): started, listed, and stopped again.
 */
export async function probeMcpServers(config: McpConfig, serversDir: string): Promise<McpServerStatus[]> {
  const servers = new McpServers(config, { serversDir, logger: createLogger('silent') });
  try {
    await servers.tools();
    return servers.status();
  } finally {
    await servers.close();
  }
}

/** A server that failed to start is not tried again for the tool list sooner than this (a call still tries at once). */
const retryListingAfterMs = 30_000;
/** The end of a stdio server's stderr kept to say why it failed. */
const stderrTailChars = 2_000;

/** `${NAME}` in a configured value, from the host's environment; a name that is not set is an error naming it. */
export function expandHostVariables(values: Record<string, string>, env: NodeJS.ProcessEnv): Record<string, string> {
  const missing = new Set<string>();
  const expanded = Object.fromEntries(
    Object.entries(values).map(([key, value]) => [
      key,
      value.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (_, name: string) => {
        const found = env[name];
        if (found === undefined) missing.add(name);
        return found ?? '';
      }),
    ]),
  );
  if (missing.size) throw new Error(`${[...missing].join(', ')} ${missing.size === 1 ? 'is' : 'are'} not set in the environment of the tools host`);
  return expanded;
}

/** Why a server did not start, in a line. */
function startFailure(error: unknown, timeoutMs: number): string {
  if (error instanceof McpError && error.code === ErrorCode.RequestTimeout) return `no answer within ${timeoutMs / 1000} s`;
  const message = (error as Error).message.slice(0, 500);
  return error instanceof StreamableHTTPError && error.code ? `HTTP ${error.code}: ${message}` : message;
}

/** One configured server: started when first needed, started again on the next need after it stopped. */
class McpServerConnection {
  private client: Client | null = null;
  private starting: Promise<Client> | null = null;
  private status: McpServerStatus['state'] = 'not started';
  private detail: string | undefined;
  private failedAt = 0;
  private pid: number | undefined;
  /** The end of what the current process wrote to stderr (each process its own). */
  private stderr = { tail: '' };
  /** Closed (the tools host stops): a start under way closes what it opened. */
  private closed = false;
  /** The values put in from the host (`${NAME}`): never shown, also not in what the server wrote. */
  private secrets: string[] = [];
  /** The tools it listed last (kept while it is down, so a conversation still sees them and a call starts it again). */
  tools: McpTool[] = [];

  constructor(
    readonly name: string,
    private readonly config: McpServerConfig,
    private readonly options: { serversDir: string; connectTimeoutMs: number; env: NodeJS.ProcessEnv; logger: Logger },
  ) {
    if (!config.enabled) this.status = 'disabled';
  }

  get target(): string {
    return this.config.url ?? [this.config.command, ...this.config.args].join(' ');
  }

  describe(): McpServerStatus {
    return {
      name: this.name,
      target: this.target,
      state: this.status,
      ...(this.detail ? { detail: this.detail } : {}),
      ...(this.pid ? { pid: this.pid } : {}),
      tools: this.tools,
    };
  }

  /** Whether listing tools should wait for it now: enabled, and not a recent failure. */
  worthStarting(now: number): boolean {
    return this.config.enabled && !(this.status === 'failed' && now - this.failedAt < retryListingAfterMs);
  }

  connect(): Promise<Client> {
    if (this.client) return Promise.resolve(this.client);
    this.starting ??= this.start().finally(() => (this.starting = null));
    return this.starting;
  }

  /** Expands `${NAME}` values and remembers what they became, to keep them out of every message. */
  private expanded(values: Record<string, string>): Record<string, string> {
    const result = expandHostVariables(values, this.options.env);
    this.secrets = Object.entries(values)
      .filter(([, template]) => template.includes('${'))
      .map(([key]) => result[key]!)
      .filter((value) => value.length >= 4);
    return result;
  }

  /** A message with the host's values in it written as `***`. */
  private scrubbed(text: string): string {
    return this.secrets.reduce((clean, secret) => clean.split(secret).join('***'), text);
  }

  private transport(): Transport {
    const { config } = this;
    if (config.url) {
      return new StreamableHTTPClientTransport(new URL(config.url), { requestInit: { headers: this.expanded(config.headers) } });
    }
    // A folder of its own, outside the workspace: a file the agent writes there never becomes the server's code (a
    // relative script, `python -m`, a module beside it). A folder the user named must be there (spawn says only ENOENT).
    const cwd = config.cwd ?? join(this.options.serversDir, this.name);
    if (!config.cwd) mkdirSync(cwd, { recursive: true, mode: 0o700 });
    else if (!statSync(config.cwd, { throwIfNoEntry: false })?.isDirectory()) throw new Error(`its cwd ${config.cwd} is not a folder`);
    const transport = new StdioClientTransport({
      command: config.command!,
      args: config.args,
      // Python does not put the folder it starts in (or the script's) on its import path: no module is picked up from there.
      env: { ...getDefaultEnvironment(), PYTHONSAFEPATH: '1', ...this.expanded(config.env) },
      cwd,
      stderr: 'pipe',
    });
    const stderr = (this.stderr = { tail: '' });
    transport.stderr?.on('data', (chunk: Buffer) => {
      stderr.tail = (stderr.tail + chunk.toString('utf8')).slice(-stderrTailChars);
    });
    return transport;
  }

  private async start(): Promise<Client> {
    if (this.closed) throw new Error('the tools host is stopping');
    this.status = 'starting';
    this.detail = undefined;
    const client = new Client({ name: 'clawflow', version: clawflowVersion });
    let transport: Transport | undefined;
    try {
      transport = this.transport();
      await client.connect(transport, { timeout: this.options.connectTimeoutMs });
      this.tools = await this.listTools(client);
    } catch (error) {
      await client.close().catch(() => undefined);
      this.status = 'failed';
      this.failedAt = Date.now();
      const reason = this.scrubbed(startFailure(error, this.options.connectTimeoutMs));
      this.detail = this.withStderr(reason);
      this.options.logger.warn({ server: this.name, error: this.detail }, 'An MCP server did not start');
      // What it wrote to stderr stays in the logs and `clawflow mcp list`; the caller (the model) gets the reason.
      throw new Error(reason);
    }
    if (this.closed) {
      await client.close().catch(() => undefined);
      throw new Error('the tools host is stopping');
    }
    this.pid = transport instanceof StdioClientTransport ? (transport.pid ?? undefined) : undefined;
    client.onclose = () => {
      if (this.client !== client) return;
      this.client = null;
      this.status = 'stopped';
      this.detail = this.withStderr('its connection closed');
      this.options.logger.warn({ server: this.name, serverPid: this.pid }, 'An MCP server stopped; it is started again when next needed');
    };
    client.setNotificationHandler(ToolListChangedNotificationSchema, async () => {
      this.tools = await this.listTools(client).catch(() => this.tools);
    });
    this.client = client;
    this.status = 'connected';
    this.options.logger.info({ server: this.name, serverPid: this.pid, tools: this.tools.length }, 'MCP server connected');
    return client;
  }

  private withStderr(reason: string): string {
    const said = this.scrubbed(this.stderr.tail.trim());
    return said ? `${reason}; it wrote: ${said.split('\n').slice(-5).join(' | ')}` : reason;
  }

  /** Forgets a connection that cannot go on (an HTTP server that lost its session): the next call connects anew. */
  private async reset(client: Client): Promise<void> {
    if (this.client !== client) return;
    this.client = null;
    this.status = 'stopped';
    await client.close().catch(() => undefined);
  }

  private async listTools(client: Client): Promise<McpTool[]> {
    const listed: McpToolDefinition[] = [];
    let cursor: string | undefined;
    do {
      const page = await client.listTools(cursor ? { cursor } : {}, { timeout: this.options.connectTimeoutMs });
      listed.push(...page.tools);
      cursor = page.nextCursor;
    } while (cursor && listed.length < 1_000);
    const { ask, trusted } = this.config;
    const taken = new Set<string>();
    return listed.map((tool) => {
      let name = exposedToolName(this.name, tool.name);
      // Two names that read the same once cleaned up (`a.b`, `a_b`): the second is told apart by a hash.
      if (taken.has(name)) name = exposedToolName(this.name, `${tool.name}${'.'.repeat(64)}`);
      taken.add(name);
      const inputSchema: Record<string, unknown> = { ...tool.inputSchema };
      delete inputSchema.$schema;
      return {
        name,
        server: this.name,
        tool: tool.name,
        description: `[MCP server ${this.name}] ${tool.description ?? tool.title ?? tool.name}`.slice(0, 4_000),
        inputSchema,
        ask: ask === true || (Array.isArray(ask) && ask.includes(tool.name)),
        trusted,
      };
    });
  }

  async call(tool: McpTool, args: Record<string, unknown>, options: { signal: AbortSignal; timeoutMs: number }): Promise<CallToolResult> {
    let client: Client;
    try {
      client = await this.connect();
    } catch (error) {
      throw new ToolError(`${tool.name}: the MCP server "${this.name}" could not be started (${(error as Error).message}); not called`);
    }
    if (!this.tools.some((t) => t.tool === tool.tool))
      throw new ToolError(`${tool.name}: the MCP server "${this.name}" no longer offers "${tool.tool}"; not called`);
    try {
      return (await client.callTool({ name: tool.tool, arguments: args }, undefined, {
        signal: options.signal,
        timeout: options.timeoutMs,
        resetTimeoutOnProgress: true,
      })) as CallToolResult;
    } catch (error) {
      if (options.signal.aborted) throw error;
      // What the server says is its own text: outside content unless the server is trusted.
      const said = (text: string): string => (this.config.trusted ? text : untrusted(`the MCP server ${this.name}`, text));
      if (error instanceof StreamableHTTPError) {
        await this.reset(client);
        throw new ToolError(
          `${tool.name}: the MCP server "${this.name}" answered HTTP ${error.code ?? '?'}; it is connected anew on the next call — check whether the call took effect before trying again`,
        );
      }
      if (error instanceof McpError && error.code === ErrorCode.ConnectionClosed) {
        throw new ToolError(
          `${tool.name}: the MCP server "${this.name}" stopped during the call; it may or may not have done it — check before trying again (the server is started again on the next call)`,
        );
      }
      if (error instanceof McpError && error.code === ErrorCode.RequestTimeout) {
        throw new ToolError(
          `${tool.name}: no answer from the MCP server "${this.name}" within ${options.timeoutMs / 1000} s; it may still finish — check before trying again`,
        );
      }
      throw new ToolError(`${tool.name}: ${said(this.scrubbed((error as Error).message))}`);
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    const client = this.client;
    this.client = null;
    if (this.config.enabled) this.status = 'stopped';
    await client?.close().catch(() => undefined);
  }
}

/**
 * The MCP servers of the tools host (tools.mcp.servers): each started on first need and kept running, its tools
 * offered to the model under `<server>__<tool>`. A server that stops is started again by the next call to it.
 */
export class McpServers {
  private readonly servers: McpServerConnection[];

  constructor(
    private readonly config: McpConfig,
    options: { serversDir: string; logger: Logger; env?: NodeJS.ProcessEnv },
  ) {
    this.servers = Object.entries(config.servers).map(
      ([name, server]) =>
        new McpServerConnection(name, server, {
          serversDir: options.serversDir,
          connectTimeoutMs: config.connectTimeoutSeconds * 1000,
          env: options.env ?? process.env,
          logger: options.logger,
        }),
    );
  }

  get configured(): boolean {
    return this.servers.length > 0;
  }

  /** Every tool of every enabled server, after starting those not running (a server that will not start is left out). */
  async tools(): Promise<McpTool[]> {
    const now = Date.now();
    await Promise.all(this.servers.filter((s) => s.worthStarting(now)).map((s) => s.connect().catch(() => undefined)));
    return this.servers.flatMap((s) => s.tools);
  }

  /** The tool the model calls by this name, as last listed. */
  find(name: string): McpTool | undefined {
    for (const server of this.servers) {
      const tool = server.tools.find((t) => t.name === name);
      if (tool) return tool;
    }
    return undefined;
  }

  call(tool: McpTool, args: Record<string, unknown>, signal: AbortSignal): Promise<CallToolResult> {
    const server = this.servers.find((s) => s.name === tool.server)!;
    const own = this.config.servers[tool.server]?.timeoutSeconds ?? this.config.timeoutSeconds;
    return server.call(tool, args, { signal, timeoutMs: own * 1000 });
  }

  status(): McpServerStatus[] {
    return this.servers.map((s) => s.describe());
  }

  async close(): Promise<void> {
    await Promise.all(this.servers.map((s) => s.close()));
  }
}
