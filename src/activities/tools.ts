import { Context } from '@temporalio/activity';
import { z } from 'zod';
import type { ClawflowConfig } from '../config/load.js';
import { protectedStatePaths } from '../config/paths.js';
import type { RunToolInput, RunToolOutcome, ToolActivities, WorkspaceContext } from '../contracts/activities.js';
import { maxImagesPerMessage, type ToolResult } from '../contracts/agent-runtime.js';
import { browserPolicy, type BrowserPool } from '../tools/browser-pool.js';
import { cronScheduleId, InvalidJobError, type ScheduleClient } from '../schedules/schedule-client.js';
import { parseDuration } from '../schedules/job-spec.js';
import type { ReplyRoute } from '../contracts/session-records.js';
import { byReference } from '../tools/large-result.js';
import { offeredTools, toolRegistry } from '../tools/registry.js';
import { ApprovalRequired, ToolError, type AgentJobs } from '../tools/tool.js';
import { heartbeatPrompt } from '../workspace/heartbeat.js';
import { buildSystemPrompt, ensureWorkspace } from '../workspace/workspace.js';
import { installSkills, skillRoots, skillsPrompt } from '../workspace/skills.js';
import { describeZodError } from '../contracts/zod-issues.js';
import { whileHeartbeating } from '../temporal/heartbeat.js';

export interface ToolActivityDeps {
  config: ClawflowConfig;
  browsers: BrowserPool;
  /** The agent's cron jobs (Temporal Schedules); unset where the tools host has no Temporal client. */
  schedules?: ScheduleClient;
}

/** The cron tool's view of the schedules: this agent's cron jobs only, answering in the conversation that set them. */
function agentJobs(schedules: ScheduleClient, config: ClawflowConfig, sessionKey: string, route: ReplyRoute | undefined): AgentJobs {
  const prefix = cronScheduleId(config.agent.id, '');
  const mine = async () => (await schedules.list()).filter((job) => job.id.startsWith(prefix));
  return {
    timeZone: config.schedules.timeZone ?? Intl.DateTimeFormat().resolvedOptions().timeZone,
    add: async (job) => {
      // A turn a minute at most: a job the agent set must not run up the model bill unnoticed.
      if ('every' in job.when && parseDuration(job.when.every) < 60_000) throw new InvalidJobError(`every ${job.when.every} is too often: at least 1m`);
      return schedules.addCronJob({
        name: job.name,
        when: job.when,
        timeZone: job.timeZone,
        message: job.message,
        session: job.isolated ? 'isolated' : 'main',
        ...(job.isolated ? {} : { sessionKey }),
        ...(route ? { route } : {}),
      });
    },
    list: mine,
    remove: (name) => schedules.remove(cronScheduleId(config.agent.id, name)),
    run: (name) => schedules.trigger(cronScheduleId(config.agent.id, name)),
  };
}

/** The activities of the `clawflow-tools` task queue: they run on the user's host, inside the agent's workspace. */
export function createToolActivities({ config, browsers, schedules }: ToolActivityDeps): ToolActivities {
  const workspace = config.paths.workspaceDir;
  const protectedPaths = protectedStatePaths(config.paths);
  const net = browserPolicy(config);
  // Skills outside the workspace (the install's, the bundled, extra folders) may be read, never written.
  const skillDirs = skillRoots({ workspace, home: config.paths.home, bundled: config.skills.bundled, extraDirs: config.skills.extraDirs }).filter((root) => root.origin !== 'workspace').map((root) => root.dir);
  ensureWorkspace(workspace);
  return {
    /** What this host offers the agent: its tools, and the system prompt built from the workspace files. */
    async describeWorkspace(): Promise<WorkspaceContext> {
      ensureWorkspace(workspace);
      // Skills are looked for afresh each turn: one added to skills/ is offered from the next message on.
      const { skills } = await installSkills(config);
      const listed = skillsPrompt(skills, workspace, config.skills.maxPromptChars);
      const systemPrompt = await buildSystemPrompt(workspace, config.workspace.promptMaxChars);
      return { tools: offeredTools(config.tools), systemPrompt: listed ? `${systemPrompt}\n\n${listed}` : systemPrompt };
    },

    heartbeatPrompt: ({ silentToken }) => heartbeatPrompt(workspace, silentToken),

    /** Runs one tool call. A refusal or failure is answered to the model (isError), never thrown: it may recover. */
    async runTool({ sessionKey, call, approved = false, route }: RunToolInput): Promise<RunToolOutcome> {
      const result = (output: string, isError: boolean): ToolResult => ({ callId: call.id, name: call.name, output, isError });
      const tool = toolRegistry.get(call.name);
      if (!tool || !(tool.enabled?.(config.tools) ?? true)) {
        return { kind: 'result', result: result(`unknown tool "${call.name}"; available: ${offeredTools(config.tools).map((t) => t.name).join(', ')}`, true), workspaceChanged: false };
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
            skillDirs,
            sessionKey,
            config: config.tools,
            signal: context.cancellationSignal,
            browsers,
            net,
            jobs: schedules ? agentJobs(schedules, config, sessionKey, route) : null,
            approved,
          });
          // A cancelled call reports the cancellation, so the turn that was stopped does not wait for anything else.
          if (context.cancellationSignal.aborted) await context.cancelled;
          const { output: text, artifacts, images } = typeof output === 'string' ? { output } : output;
          const inline = await byReference(text, { workspace, sessionKey, callId: call.id, tool: call.name });
          const shown = images?.length ? { images: images.slice(0, maxImagesPerMessage) } : {};
          return { kind: 'result', result: { ...result(inline, false), ...shown }, workspaceChanged: tool.mutatesWorkspace, ...(artifacts ? { artifacts } : {}) };
        } catch (error) {
          if (context.cancellationSignal.aborted) await context.cancelled;
          if (error instanceof ApprovalRequired) return { kind: 'approvalRequired', subject: error.subject };
          const message = error instanceof ToolError || error instanceof z.ZodError ? error.message : `${call.name} failed: ${(error as Error).message}`;
          return { kind: 'result', result: result(await byReference(message, { workspace, sessionKey, callId: call.id, tool: call.name }), true), workspaceChanged: tool.mutatesWorkspace };
        }
      });
    },
  };
}
