import { Context } from '@temporalio/activity';
import { z } from 'zod';
import type { ClawflowConfig } from '../config/load.js';
import { agentIds, agentProfile, defaultAgentId, type AgentProfile } from '../config/agents.js';
import { protectedStatePaths } from '../config/paths.js';
import { formatSessionKey, parseSessionKey, subagentKeyPrefix } from '../contracts/session-key.js';
import { describeSession, listSessions, sendMessage, type SessionClientConfig } from '../session-client/session-client.js';
import type { Client } from '@temporalio/client';
import type { RunToolInput, RunToolOutcome, ToolActivities, WorkspaceContext } from '../contracts/activities.js';
import { maxImagesPerMessage } from '../contracts/image-ref.js';
import { type ToolResult, type ToolSpec } from '../contracts/agent-runtime.js';
import { browserPolicy, type BrowserPool } from '../tools/browser-pool.js';
import { cronScheduleId, InvalidJobError, type ScheduleClient } from '../schedules/schedule-client.js';
import { parseDuration } from '../schedules/job-spec.js';
import type { ReplyRoute } from '../contracts/session-records.js';
import { byReference } from '../tools/large-result.js';
import { offeredTools, toolRegistry } from '../tools/registry.js';
import { mcpAgentTool } from '../tools/mcp-tool.js';
import type { McpServers, McpTool } from '../tools/mcp-servers.js';
import { ApprovalRequired, ToolError, type AgentJobs, type AgentSessions, type Tool } from '../tools/tool.js';
import type { ExecSandbox } from '../tools/exec-sandbox.js';
import { heartbeatPrompt } from '../workspace/heartbeat.js';
import { buildSystemPrompt, ensureWorkspace } from '../workspace/workspace.js';
import { installSkills, skillRoots, skillsPrompt } from '../workspace/skills.js';
import { describeZodError } from '../contracts/zod-issues.js';
import { whileHeartbeating } from '../temporal/heartbeat.js';
import { scheduleTimeZone } from '../config/time-zone.js';

/** What the tools host reads: the tools' and skills' settings, the workspace, and sessions (the session tools). */
export type ToolsHostConfig = SessionClientConfig &
  Pick<ClawflowConfig, 'paths' | 'skills' | 'tools' | 'workspace' | 'bindings' | 'api' | 'runtime' | 'channels'>;

export interface ToolActivityDeps {
  config: ToolsHostConfig;
  browsers: BrowserPool;
  /** The agent's cron jobs (Temporal Schedules); unset where the tools host has no Temporal client. */
  schedules?: ScheduleClient;
  /** Temporal, for the session tools; unset: they say they cannot work here. */
  client?: Client;
  /** The MCP servers whose tools are offered besides the built-in ones (tools.mcp.servers). */
  mcp?: McpServers;
  /** Where each agent's commands run (resolveExecSandbox); an agent not named runs them on the host. */
  sandboxes?: ReadonlyMap<string, ExecSandbox | null>;
}

/** Whether an agent's `tools.deny` names this tool: by its name, or by a prefix ending in "*" (`github__*`). */
function isDenied(denied: readonly string[], name: string): boolean {
  return denied.some((entry) => (entry.endsWith('*') ? name.startsWith(entry.slice(0, -1)) : entry === name));
}

/**
 * The cron tool's view of the schedules: the jobs made with the tool in this very conversation, answering in it.
 * Another conversation's reminders (the owner's, from a group) and jobs made with the CLI are not the tool's to list,
 * run or remove.
 */
function agentJobs(schedules: ScheduleClient, config: ToolsHostConfig, agentId: string, sessionKey: string, route: ReplyRoute | undefined): AgentJobs {
  const prefix = cronScheduleId(agentId, '');
  const mine = async () => (await schedules.list()).filter((job) => job.id.startsWith(prefix) && job.createdBy === sessionKey);
  const own = async (name: string): Promise<string> => {
    const id = cronScheduleId(agentId, name);
    const job = await schedules.describe(id).catch(() => null);
    if (job?.createdBy !== sessionKey) throw new ToolError(`no job of this conversation is called "${name}" (list shows them)`);
    return id;
  };
  return {
    timeZone: scheduleTimeZone(config),
    add: async (job) => {
      // A turn a minute at most: a job the agent set must not run up the model bill unnoticed.
      if ('every' in job.when && parseDuration(job.when.every) < 60_000) throw new InvalidJobError(`every ${job.when.every} is too often: at least 1m`);
      return schedules.addCronJob({
        name: job.name,
        when: job.when,
        timeZone: job.timeZone,
        message: job.message,
        session: job.isolated ? 'isolated' : 'main',
        agentId,
        createdBy: sessionKey,
        ...(job.isolated ? {} : { sessionKey }),
        ...(route ? { route } : {}),
      });
    },
    list: mine,
    remove: async (name) => schedules.remove(await own(name)),
    run: async (name) => schedules.trigger(await own(name)),
  };
}

/**
 * The session tools' view of the other sessions: a session's sub-agents (visibility "tree"), or every session of its
 * agent ("agent"); never another agent's, never itself.
 */
function agentSessions(client: Client, config: ToolsHostConfig, sessionKey: string): AgentSessions {
  const own = parseSessionKey(sessionKey, defaultAgentId(config));
  const visibility = config.tools.sessions.visibility;
  const visible = (key: string): boolean => {
    if (key === formatSessionKey(own)) return false;
    if (visibility === 'agent') return parseSessionKey(key, defaultAgentId(config)).agent === own.agent;
    return key.startsWith(subagentKeyPrefix(own));
  };
  const check = (key: string): string => {
    let canonical: string;
    try {
      canonical = formatSessionKey(parseSessionKey(key, own.agent));
    } catch (error) {
      throw new ToolError((error as Error).message);
    }
    if (!visible(canonical))
      throw new ToolError(
        `${key} is not a session you may see (${visibility === 'tree' ? 'only the sub-agents you spawned' : "only your agent's sessions"}: sessions_list shows them; tools.sessions.visibility)`,
      );
    return canonical;
  };
  return {
    visibility,
    list: async () =>
      (await listSessions(client))
        .filter((s) => visible(s.sessionKey))
        .map(({ sessionKey: key, status, lastActivity, turns }) => ({ sessionKey: key, status, lastActivity, turns })),
    history: async (key, limit) => {
      const view = await describeSession(client, config, check(key));
      return (view?.transcript ?? [])
        .filter((e) => e.role !== 'summary')
        .slice(-limit)
        .map((e) => ({ turn: e.turn, role: e.role, text: e.text, at: e.at }));
    },
    send: async (key, text, timeoutMs) => {
      const target = check(key);
      const answered = sendMessage(client, config, target, { text, sender: sessionKey });
      if (timeoutMs === 0) {
        answered.catch(() => undefined);
        return null;
      }
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<null>((resolve) => (timer = setTimeout(() => resolve(null), timeoutMs)));
      try {
        const reply = await Promise.race([answered.then((r) => r.text), late]);
        if (reply === null) answered.catch(() => undefined);
        return reply;
      } finally {
        clearTimeout(timer);
      }
    },
  };
}

/** What the tools host keeps for one agent: its profile, the tools it is offered, and the skill folders outside its workspace it may read. */
interface AgentHost {
  profile: AgentProfile;
  tools: ToolSpec[];
  skillDirs: string[];
}

/** The activities of the `clawflow-tools` task queue: they run on the user's host, inside each agent's workspace. */
export function createToolActivities({ config, browsers, schedules, client, mcp, sandboxes }: ToolActivityDeps): ToolActivities {
  const protectedPaths = protectedStatePaths(config.paths);
  const net = browserPolicy(config);
  const hosts = new Map<string, AgentHost>(
    agentIds(config).map((id) => {
      const profile = agentProfile(config, id);
      ensureWorkspace(profile.workspaceDir);
      // Skills outside the workspace (the install's, the bundled, extra folders) may be read, never written.
      const roots = skillRoots({
        workspace: profile.workspaceDir,
        home: config.paths.home,
        bundled: config.skills.bundled,
        extraDirs: config.skills.extraDirs,
      });
      const tools = offeredTools(profile.tools).filter((tool) => !isDenied(profile.deniedTools, tool.name));
      return [id, { profile, tools, skillDirs: roots.filter((root) => root.origin !== 'workspace').map((root) => root.dir) }];
    }),
  );
  /** The agent a session belongs to; a session of an agent this host does not know is the default agent's. */
  const hostOf = (sessionKey: string | undefined): AgentHost => {
    const agent = sessionKey ? parseSessionKey(sessionKey, defaultAgentId(config)).agent : defaultAgentId(config);
    return hosts.get(agent) ?? hosts.get(defaultAgentId(config))!;
  };
  /** The MCP tools this agent is offered (servers started as needed). */
  const mcpTools = async (host: AgentHost): Promise<McpTool[]> =>
    mcp?.configured ? (await mcp.tools()).filter((tool) => !isDenied(host.profile.deniedTools, tool.name)) : [];
  /** The tool a call names: built in, or an MCP server's (listed again first if this host has not listed it yet). */
  const resolveTool = async (host: AgentHost, name: string): Promise<Tool | undefined> => {
    const builtIn = toolRegistry.get(name);
    if (builtIn) return host.tools.some((t) => t.name === name) ? builtIn : undefined;
    if (!mcp?.configured || isDenied(host.profile.deniedTools, name)) return undefined;
    const tool = mcp.find(name) ?? (await mcp.tools(), mcp.find(name));
    return tool ? (mcpAgentTool(tool, mcp, config.tools.mcp.outputCapBytes) as Tool) : undefined;
  };
  return {
    /** What this host offers the agent: its tools, and the system prompt built from its workspace files and skills. */
    async describeWorkspace(input?: { sessionKey?: string }): Promise<WorkspaceContext> {
      const host = hostOf(input?.sessionKey);
      const workspace = host.profile.workspaceDir;
      ensureWorkspace(workspace);
      const { skills } = await installSkills(config, workspace);
      const listed = skillsPrompt(skills, workspace, config.skills.maxPromptChars);
      const systemPrompt = await buildSystemPrompt(workspace, config.workspace.promptMaxChars);
      const fromServers = (await mcpTools(host)).map(({ name, description, inputSchema }) => ({ name, description, inputSchema }));
      return { tools: [...host.tools, ...fromServers], systemPrompt: listed ? `${systemPrompt}\n\n${listed}` : systemPrompt };
    },

    heartbeatPrompt: ({ silentToken, sessionKey }) => heartbeatPrompt(hostOf(sessionKey).profile.workspaceDir, silentToken),

    /** Runs one tool call. A refusal or failure is answered to the model (isError), never thrown: it may recover. */
    async runTool({ sessionKey, call, approved = false, route, byAgentOwner = false }: RunToolInput): Promise<RunToolOutcome> {
      const result = (output: string, isError: boolean): ToolResult => ({ callId: call.id, name: call.name, output, isError });
      const host = hostOf(sessionKey);
      const { workspaceDir: workspace, tools: toolsConfig } = host.profile;
      const tool = await resolveTool(host, call.name);
      if (!tool) {
        const available = [...host.tools, ...(await mcpTools(host))].map((t) => t.name).join(', ');
        return { kind: 'result', result: result(`unknown tool "${call.name}"; available: ${available}`, true), workspaceChanged: false };
      }
      const input = tool.input.safeParse(call.input);
      if (!input.success) {
        const problems = describeZodError(input.error, 'input');
        return { kind: 'result', result: result(`invalid arguments for ${call.name}: ${problems}`, true), workspaceChanged: false };
      }
      const context = Context.current();
      // Liveness while the tool runs: a tools worker that dies is noticed within the heartbeat timeout.
      return whileHeartbeating(async () => {
        try {
          const output = await tool.run(input.data, {
            workspace,
            protectedPaths,
            skillDirs: host.skillDirs,
            sessionKey,
            config: toolsConfig,
            signal: context.cancellationSignal,
            browsers,
            net,
            jobs: schedules ? agentJobs(schedules, config, host.profile.id, sessionKey, route) : null,
            sessions: client ? agentSessions(client, config, sessionKey) : null,
            approved,
            byAgentOwner,
            sandbox: sandboxes?.get(host.profile.id) ?? null,
          });
          // A cancelled call reports the cancellation, so the turn that was stopped does not wait for anything else.
          if (context.cancellationSignal.aborted) await context.cancelled;
          const { output: text, artifacts, images } = typeof output === 'string' ? { output } : output;
          const inline = await byReference(text, { workspace, sessionKey, callId: call.id, tool: call.name });
          const shown = images?.length ? { images: images.slice(0, maxImagesPerMessage) } : {};
          return {
            kind: 'result',
            result: { ...result(inline, false), ...shown },
            workspaceChanged: tool.mutatesWorkspace,
            ...(artifacts ? { artifacts } : {}),
          };
        } catch (error) {
          if (context.cancellationSignal.aborted) await context.cancelled;
          if (error instanceof ApprovalRequired) return { kind: 'approvalRequired', subject: error.subject, ...(error.ownerOnly ? { ownerOnly: true } : {}) };
          const message = error instanceof ToolError || error instanceof z.ZodError ? error.message : `${call.name} failed: ${(error as Error).message}`;
          return {
            kind: 'result',
            result: result(await byReference(message, { workspace, sessionKey, callId: call.id, tool: call.name }), true),
            workspaceChanged: tool.mutatesWorkspace,
          };
        }
      });
    },
  };
}
