import type { ConsoleJobChange, ConsoleNewJob, ConsoleSchedules } from '../contracts/console-feed.js';
import type { ScheduleClient } from '../schedules/schedule-client.js';

/** The jobs as the schedules page lists them. */
export async function consoleSchedules(schedules: ScheduleClient, timeZone: string): Promise<ConsoleSchedules> {
  const jobs = await schedules.list();
  return {
    timeZone,
    jobs: jobs.map((job) => ({
      id: job.id,
      kind: job.kind,
      name: job.name,
      paused: job.paused,
      note: job.note,
      fires: job.fires,
      nextRuns: job.nextRuns,
      lastRun: job.lastRun,
      lastOutcome: job.lastOutcome,
    })),
  };
}

/** Adds a cron job made in the page (the owner's: its turns speak for the agent's owner, as the CLI's do). */
export async function addJob(schedules: ScheduleClient, job: ConsoleNewJob, timeZone: string): Promise<string> {
  const when = job.fires === 'every' ? { every: job.when } : job.fires === 'at' ? { at: job.when } : { cron: job.when };
  const added = await schedules.addCronJob({ name: job.name, when, timeZone, message: job.message, session: job.session });
  return `Added ${added.name}${added.nextRuns[0] ? `: first at ${added.nextRuns[0]}` : ''}`;
}

const changed = { pause: 'Paused', resume: 'Resumed', run: 'Started a firing of', remove: 'Removed' } as const;

/** Pauses, resumes, runs now or removes a job. */
export async function changeJob(schedules: ScheduleClient, { id, change }: ConsoleJobChange): Promise<string> {
  if (change === 'pause' || change === 'resume') await schedules.pause(id, change === 'pause');
  else if (change === 'run') await schedules.trigger(id);
  else await schedules.remove(id);
  return `${changed[change]} ${id}`;
}
