import { createdByMemo, cronScheduleId, definitionMemo, heartbeatScheduleId, isJobSchedule, jobOf } from './schedule-ids.js';
import { ScheduleAlreadyRunning, ScheduleNotFoundError, ScheduleOverlapPolicy, type Client } from '@temporalio/client';
import { enabledChannels } from '../config/channels.js';
import { defaultAgentId } from '../config/agents.js';
import type { ClawflowConfig } from '../config/load.js';
import { parseChatTarget, type ReplyRoute } from '../contracts/session-records.js';
import type { ScheduledTurnInput, ScheduledTurnWorkflow } from '../workflows/scheduled-turn-workflow.js';
import { taskQueues } from '../workflows/task-queues.js';
import { formatDuration, InvalidJobError, parseActiveHours, parseDuration, scheduleSpecFor, type When } from './job-spec.js';
import { scheduleTimeZone } from '../config/time-zone.js';

/** What the schedules' client reads: the schedules, and the settings of the sessions their firings start. */
export type ScheduleClientConfig = Pick<ClawflowConfig, 'schedules' | 'channels' | 'agent' | 'agents'>;

export interface CronJobRequest {
  name: string;
  when: When;
  timeZone: string;
  message: string;
  session: 'main' | 'isolated';
  /** "channel:chat", e.g. telegram:123456 */
  to?: string;
  /** Where the answer goes, as a route (the chat a reminder was asked in); beats `to`. */
  route?: ReplyRoute;
  /** The session the job's turns run in (a reminder set in a conversation); beats `session`. */
  sessionKey?: string;
  /** The agent whose job it is; unset: the default agent. */
  agentId?: string;
  /** The session whose agent made it with its `cron` tool: only that session's tool sees and changes it. */
  createdBy?: string;
}

export interface JobSummary {
  id: string;
  kind: 'cron' | 'heartbeat';
  name: string;
  paused: boolean;
  note: string;
  nextRuns: string[];
  lastRun: string | null;
  /** How the last firing ended (`delivered`, `failed`…, or `running`), with why. */
  lastOutcome: { status: string; detail: string } | null;
  /** Firings skipped because the one before was still running. */
  skipped: number;
  /** The session whose agent made it with its `cron` tool; null: made another way (the CLI). */
  createdBy: string | null;
  /** How it fires: `every` (an interval), `at` (once), `cron` (a cron expression). */
  fires: 'every' | 'at' | 'cron';
}

export { cronScheduleId, heartbeatScheduleId };

/** Where a job's answer goes; refuses a channel this configuration does not turn on (its deliveries could never land). */
function parseTarget(to: string | undefined, config: ScheduleClientConfig): ReplyRoute | undefined {
  if (!to) return undefined;
  const target = parseChatTarget(to);
  if (!target) throw new InvalidJobError(`--to "${to}" must be channel:chat, e.g. telegram:123456789 or slack:C024BE91L`);
  const enabled = enabledChannels(config);
  if (!enabled.includes(target.channel)) {
    throw new InvalidJobError(
      `--to "${to}": no channel "${target.channel}" is configured here (${enabled.length ? `configured: ${enabled.join(', ')}` : 'none is: see Channels in the README'})`,
    );
  }
  return target;
}

/** Heartbeat and cron jobs as Temporal Schedules: the server keeps time, catches up missed firings once, never overlaps. */
export class ScheduleClient {
  constructor(
    private readonly client: Client,
    private readonly config: ScheduleClientConfig,
  ) {}

  private policies() {
    return { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: this.config.schedules.catchupWindowSeconds * 1000 };
  }

  private action(input: ScheduledTurnInput) {
    return {
      type: 'startWorkflow' as const,
      workflowType: 'ScheduledTurnWorkflow',
      taskQueue: taskQueues.sessions,
      args: [input] as Parameters<typeof ScheduledTurnWorkflow>,
      workflowId: input.scheduleId,
    };
  }

  async addCronJob(job: CronJobRequest): Promise<JobSummary> {
    if (!/^[a-z0-9][a-z0-9_-]{0,63}$/.test(job.name)) throw new InvalidJobError(`--name "${job.name}": use lowercase letters, digits, "-" and "_"`);
    if (!job.message.trim()) throw new InvalidJobError('--message must not be empty');
    const { spec, oneShot } = scheduleSpecFor(job.when, job.timeZone);
    const to = job.route ?? parseTarget(job.to, this.config);
    const agentId = job.agentId ?? defaultAgentId(this.config);
    const scheduleId = cronScheduleId(agentId, job.name);
    try {
      await this.client.schedule.create({
        scheduleId,
        spec,
        action: this.action({
          agentId,
          scheduleId,
          kind: 'cron',
          jobName: job.name,
          message: job.message,
          session: job.session,
          ...(job.sessionKey ? { sessionKey: job.sessionKey } : {}),
          ...(to ? { to } : {}),
          ...(oneShot ? { oneShot } : {}),
          // Made with the CLI, not by a conversation's cron tool: its turns speak for the agent's owner.
          ...(job.createdBy ? {} : { fromAgentOwner: true }),
        }),
        policies: this.policies(),
        memo: {
          [definitionMemo]: `${job.message.slice(0, 200)}${to ? ` → ${to.channel}:${to.chat}` : ''}`,
          ...(job.createdBy ? { [createdByMemo]: job.createdBy } : {}),
        },
        state: { ...(oneShot ? { remainingActions: 1 } : {}) },
      });
    } catch (error) {
      if (error instanceof ScheduleAlreadyRunning)
        throw new InvalidJobError(`a job named "${job.name}" already exists; remove it first (clawflow cron rm ${job.name})`);
      throw error;
    }
    return this.describe(scheduleId);
  }

  /**
   * Turns the heartbeat on, or changes it: what is not given stays as it was (its interval, active hours and zone, where
   * answers go), else every 30m, at any hour.
   */
  async setHeartbeat(options: { every?: string; activeHours?: string; timeZone?: string; to?: string; agentId?: string }): Promise<JobSummary> {
    const agentId = options.agentId ?? defaultAgentId(this.config);
    const scheduleId = heartbeatScheduleId(agentId);
    const before = await this.handle(scheduleId)
      .describe()
      .catch((error: unknown) => (error instanceof ScheduleNotFoundError ? null : Promise.reject(error)));
    const previous = before?.action.type === 'startWorkflow' ? (before.action.args?.[0] as ScheduledTurnInput | undefined) : undefined;
    const previousEvery = before?.spec.intervals?.[0]?.every;
    const everyText = options.every ?? (previousEvery !== undefined ? formatDuration(previousEvery) : '30m');
    const every = parseDuration(everyText);
    const timeZone = options.timeZone ?? previous?.activeHours?.timeZone ?? scheduleTimeZone(this.config);
    const window = options.activeHours ? parseActiveHours(options.activeHours) : previous?.activeHours;
    const hours = window ? { start: window.start, end: window.end, timeZone } : undefined;
    scheduleSpecFor({ every: everyText }, timeZone);
    const to = options.to !== undefined ? parseTarget(options.to, this.config) : previous?.to;
    const input: ScheduledTurnInput = {
      agentId,
      scheduleId,
      kind: 'heartbeat',
      jobName: 'heartbeat',
      session: 'main',
      silentToken: this.config.schedules.heartbeatSilentToken,
      ...(hours ? { activeHours: hours } : {}),
      ...(to ? { to } : {}),
    };
    const clock = (minutes: number): string => `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;
    const note = `every ${formatDuration(every)}${hours ? `, ${clock(hours.start)}-${clock(hours.end)} ${hours.timeZone}` : ''}${to ? ` → ${to.channel}:${to.chat}` : ''}`;
    if (before) await this.remove(scheduleId);
    await this.client.schedule.create({
      scheduleId,
      spec: { intervals: [{ every }] },
      action: this.action(input),
      policies: this.policies(),
      memo: { [definitionMemo]: note },
    });
    return this.describe(scheduleId);
  }

  /** Turns the heartbeat off; false when it was off already. */
  async heartbeatOff(agentId?: string): Promise<boolean> {
    try {
      await this.remove(heartbeatScheduleId(agentId ?? defaultAgentId(this.config)));
      return true;
    } catch (error) {
      if (error instanceof ScheduleNotFoundError) return false;
      throw error;
    }
  }

  async list(): Promise<JobSummary[]> {
    const ids: string[] = [];
    for await (const schedule of this.client.schedule.list()) {
      if (isJobSchedule(schedule.scheduleId)) ids.push(schedule.scheduleId);
    }
    // Described one by one: the list's entries lack what a job's last firing did (a few jobs, so a few calls).
    const jobs = await Promise.all(ids.map((id) => this.describe(id).catch(() => null)));
    return jobs.filter((job) => job !== null).sort((a, b) => a.id.localeCompare(b.id));
  }

  async describe(scheduleId: string): Promise<JobSummary> {
    const d = await this.handle(scheduleId).describe();
    const last = d.info.recentActions.at(-1);
    const running = d.info.runningActions.length > 0;
    const lastOutcome = running
      ? { status: 'running', detail: 'a firing is running now' }
      : last
        ? await this.outcomeOf(last.action.workflow.workflowId)
        : null;
    const note = typeof d.memo?.[definitionMemo] === 'string' ? (d.memo[definitionMemo] as string) : (d.state.note ?? '');
    // Jobs the tool made before the memo existed: the conversation it set them in is in their action.
    const input = d.action.type === 'startWorkflow' ? (d.action.args?.[0] as Partial<ScheduledTurnInput> | undefined) : undefined;
    const createdBy = typeof d.memo?.[createdByMemo] === 'string' ? (d.memo[createdByMemo] as string) : (input?.kind === 'cron' && input.sessionKey) || null;
    return {
      id: scheduleId,
      ...jobOf(scheduleId),
      paused: d.state.paused,
      note,
      nextRuns: d.info.nextActionTimes.slice(0, 3).map((date) => date.toISOString()),
      lastRun: last?.takenAt.toISOString() ?? null,
      lastOutcome,
      skipped: d.info.numActionsSkippedOverlap,
      createdBy,
      fires: d.spec.intervals?.length ? 'every' : input?.oneShot ? 'at' : 'cron',
    };
  }

  /** What a finished firing reported (its workflow's result), or how its workflow ended. */
  private async outcomeOf(workflowId: string): Promise<{ status: string; detail: string }> {
    try {
      const handle = this.client.workflow.getHandle<typeof ScheduledTurnWorkflow>(workflowId);
      const { status } = await handle.describe();
      if (status.name !== 'COMPLETED') return { status: status.name.toLowerCase(), detail: `the firing's workflow ${status.name.toLowerCase()}` };
      return await handle.result();
    } catch (error) {
      return { status: 'unknown', detail: (error as Error).message };
    }
  }

  /** Removes a job, and ends the firing it may be running (its answer is no longer wanted). */
  async remove(scheduleId: string): Promise<void> {
    const handle = this.handle(scheduleId);
    const { info } = await handle.describe();
    await handle.delete();
    for (const action of info.runningActions) {
      await this.client.workflow
        .getHandle(action.workflow.workflowId)
        .terminate('its job was removed')
        .catch(() => undefined);
    }
  }

  /** Pauses or resumes a job; what it does and where its answer goes stay as they were. */
  async pause(scheduleId: string, paused: boolean): Promise<void> {
    const handle = this.handle(scheduleId);
    if (paused) await handle.pause('paused with clawflow');
    else await handle.unpause('resumed with clawflow');
  }

  /** Runs a job now, besides its schedule. */
  async trigger(scheduleId: string): Promise<void> {
    await this.handle(scheduleId).trigger(ScheduleOverlapPolicy.ALLOW_ALL);
  }

  private handle(scheduleId: string) {
    return this.client.schedule.getHandle(scheduleId);
  }
}

/** Removes a schedule; one already gone (a one-shot job whose firing was retried) is no error. */
export async function deleteSchedule(client: Client, scheduleId: string): Promise<void> {
  await client.schedule
    .getHandle(scheduleId)
    .delete()
    .catch((error: unknown) => {
      if (!(error instanceof ScheduleNotFoundError)) throw error;
    });
}

export { InvalidJobError, ScheduleNotFoundError };
