import { ScheduleAlreadyRunning, ScheduleNotFoundError, ScheduleOverlapPolicy, type Client } from '@temporalio/client';
import type { ClawflowConfig } from '../config/load.js';
import type { ReplyRoute } from '../contracts/session-records.js';
import type { ScheduledTurnInput, ScheduledTurnWorkflow } from '../workflows/scheduled-turn-workflow.js';
import { taskQueues } from '../workflows/task-queues.js';
import { InvalidJobError, parseActiveHours, parseDuration, scheduleSpecFor, type When } from './job-spec.js';

export interface CronJobRequest {
  name: string;
  when: When;
  timeZone: string;
  message: string;
  session: 'main' | 'isolated';
  /** "channel:chat", e.g. telegram:123456 */
  to?: string;
}

export interface JobSummary {
  id: string;
  kind: 'cron' | 'heartbeat';
  name: string;
  paused: boolean;
  note: string;
  nextRuns: string[];
  lastRun: string | null;
}

const cronPrefix = 'cron:';
const heartbeatPrefix = 'heartbeat:';

export function cronScheduleId(agentId: string, name: string): string {
  return `${cronPrefix}${agentId}:${name}`;
}

export function heartbeatScheduleId(agentId: string): string {
  return `${heartbeatPrefix}${agentId}`;
}

function parseTarget(to: string | undefined): ReplyRoute | undefined {
  if (!to) return undefined;
  const match = /^([a-z]+):(.+)$/.exec(to);
  if (!match) throw new InvalidJobError(`--to "${to}" must be channel:chat, e.g. telegram:123456789 or slack:C024BE91L`);
  return { channel: match[1]!, chat: match[2]! };
}

/** Heartbeat and cron jobs as Temporal Schedules: the server keeps time, catches up missed firings once, never overlaps. */
export class ScheduleClient {
  constructor(
    private readonly client: Client,
    private readonly config: ClawflowConfig,
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
    const to = parseTarget(job.to);
    const scheduleId = cronScheduleId(this.config.agent.id, job.name);
    try {
      await this.client.schedule.create({
        scheduleId,
        spec,
        action: this.action({
          agentId: this.config.agent.id,
          scheduleId,
          kind: 'cron',
          jobName: job.name,
          message: job.message,
          session: job.session,
          ...(to ? { to } : {}),
          ...(oneShot ? { oneShot } : {}),
        }),
        policies: this.policies(),
        state: { note: `${job.message.slice(0, 200)}${to ? ` → ${job.to}` : ''}`, ...(oneShot ? { remainingActions: 1 } : {}) },
      });
    } catch (error) {
      if (error instanceof ScheduleAlreadyRunning) throw new InvalidJobError(`a job named "${job.name}" already exists; remove it first (clawflow cron rm ${job.name})`);
      throw error;
    }
    return this.describe(scheduleId);
  }

  /** Turns the heartbeat on (or changes it): every `every`, optionally only within active hours in a zone. */
  async setHeartbeat(options: { every: string; activeHours?: string; timeZone: string; to?: string }): Promise<JobSummary> {
    const every = parseDuration(options.every);
    const scheduleId = heartbeatScheduleId(this.config.agent.id);
    const hours = options.activeHours ? { ...parseActiveHours(options.activeHours), timeZone: options.timeZone } : undefined;
    scheduleSpecFor({ every: options.every }, options.timeZone);
    const to = parseTarget(options.to);
    const input: ScheduledTurnInput = {
      agentId: this.config.agent.id,
      scheduleId,
      kind: 'heartbeat',
      jobName: 'heartbeat',
      session: 'main',
      silentToken: this.config.schedules.heartbeatSilentToken,
      ...(hours ? { activeHours: hours } : {}),
      ...(to ? { to } : {}),
    };
    const note = `every ${options.every}${options.activeHours ? `, ${options.activeHours} ${options.timeZone}` : ''}`;
    await this.remove(scheduleId).catch(() => undefined);
    await this.client.schedule.create({ scheduleId, spec: { intervals: [{ every }] }, action: this.action(input), policies: this.policies(), state: { note } });
    return this.describe(scheduleId);
  }

  async list(): Promise<JobSummary[]> {
    const jobs: JobSummary[] = [];
    for await (const schedule of this.client.schedule.list()) {
      if (!schedule.scheduleId.startsWith(cronPrefix) && !schedule.scheduleId.startsWith(heartbeatPrefix)) continue;
      jobs.push(this.summary(schedule.scheduleId, schedule.state.paused, schedule.state.note, schedule.info.nextActionTimes, schedule.info.recentActions.at(-1)?.takenAt));
    }
    return jobs.sort((a, b) => a.id.localeCompare(b.id));
  }

  async describe(scheduleId: string): Promise<JobSummary> {
    const d = await this.handle(scheduleId).describe();
    return this.summary(scheduleId, d.state.paused, d.state.note, d.info.nextActionTimes, d.info.recentActions.at(-1)?.takenAt);
  }

  async remove(scheduleId: string): Promise<void> {
    await this.handle(scheduleId).delete();
  }

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

  private summary(id: string, paused: boolean, note: string | undefined, next: Date[], last: Date | undefined): JobSummary {
    const kind = id.startsWith(heartbeatPrefix) ? 'heartbeat' : 'cron';
    return {
      id,
      kind,
      name: kind === 'heartbeat' ? 'heartbeat' : id.split(':').slice(2).join(':'),
      paused,
      note: note ?? '',
      nextRuns: next.slice(0, 3).map((d) => d.toISOString()),
      lastRun: last?.toISOString() ?? null,
    };
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
