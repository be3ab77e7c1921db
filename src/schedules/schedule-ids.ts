// Light: the CLI's quick reads name jobs without loading Temporal's client.

const cronPrefix = 'cron:';
const heartbeatPrefix = 'heartbeat:';

/** The memo key that keeps a job's description: unlike the schedule's note, pausing does not replace it. */
export const definitionMemo = 'clawflowJob';

/** The memo key naming the session whose agent made a job with its `cron` tool (CLI jobs have none). */
export const createdByMemo = 'clawflowCreatedBy';

export function cronScheduleId(agentId: string, name: string): string {
  return `${cronPrefix}${agentId}:${name}`;
}

export function heartbeatScheduleId(agentId: string): string {
  return `${heartbeatPrefix}${agentId}`;
}

/** A schedule of ClawFlow's (a cron job or a heartbeat), by its id; other schedules in the namespace are not. */
export function isJobSchedule(scheduleId: string): boolean {
  return scheduleId.startsWith(cronPrefix) || scheduleId.startsWith(heartbeatPrefix);
}

/** What a job is called in lists: `heartbeat`, or the cron job's name (its id without the agent). */
export function jobOf(scheduleId: string): { kind: 'cron' | 'heartbeat'; name: string } {
  return scheduleId.startsWith(heartbeatPrefix)
    ? { kind: 'heartbeat', name: 'heartbeat' }
    : { kind: 'cron', name: scheduleId.slice(cronPrefix.length).split(':').slice(1).join(':') };
}
