import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { defineTool, ToolError, type AgentJob } from './tool.js';

/** What a runaway agent (or a page that talked it into something) could pile up at most. */
const maxJobs = 50;

function describeJob(job: AgentJob): string {
  const next = job.nextRuns[0] ? `next ${job.nextRuns[0]}` : 'no firing ahead';
  const last = job.lastOutcome ? `; last: ${job.lastOutcome.status} (${job.lastOutcome.detail})` : '';
  return `- ${job.name}${job.paused ? ' (paused)' : ''}: ${next}${last} — ${job.note}`;
}

/**
 * OpenClaw's `cron` tool: the agent schedules its own turns ("remind me at 5pm") on the same Temporal Schedules as
 * `clawflow cron`, so a reminder fires while the laptop sleeps, once, and answers in the chat it was asked in.
 */
export const cronTool = defineTool({
  name: 'cron',
  description:
    'Schedule a message to yourself, once (at) or repeatedly (every, cron); it comes as a new turn here and your answer goes to this chat. add needs at, every or cron, and message.',
  input: z
    .object({
      action: z.enum(['add', 'list', 'remove', 'run']),
      name: z
        .string()
        .regex(/^[a-z0-9][a-z0-9_-]{0,63}$/, 'use lowercase letters, digits, "-" and "_"')
        .optional()
        .describe("the job's name (add: optional; remove, run: required)"),
      at: z.string().optional().describe('once, at this ISO 8601 time, e.g. 2026-12-01T17:00 (in tz)'),
      every: z.string().optional().describe('repeatedly, every this long: 30m, 2h, 1d (at least 1m)'),
      cron: z.string().optional().describe('on a five-field cron expression, e.g. "0 9 * * 1-5"'),
      tz: z.string().optional().describe("IANA time zone for at and cron (default: the user's)"),
      message: z.string().trim().min(1).max(2_000).optional().describe('what you are told when it fires'),
      session: z.enum(['this', 'isolated']).default('this').describe('this conversation, or a fresh one-off session each time'),
    })
    .strict(),
  async run(input, { jobs }) {
    if (!jobs) throw new ToolError('scheduling is not available on this tools host (it has no Temporal connection)');
    switch (input.action) {
      case 'list': {
        const mine = await jobs.list();
        return mine.length ? `${mine.length} job(s):\n${mine.map(describeJob).join('\n')}` : 'No jobs are scheduled from this conversation.';
      }
      case 'remove':
      case 'run': {
        if (!input.name) throw new ToolError(`${input.action} needs the job's name (list shows them)`);
        if (!(await jobs.list()).some((job) => job.name === input.name))
          throw new ToolError(`no job of this conversation is called "${input.name}" (list shows them)`);
        if (input.action === 'remove') {
          await jobs.remove(input.name);
          return `Removed "${input.name}".`;
        }
        await jobs.run(input.name);
        return `"${input.name}" runs now; its answer comes as a new turn.`;
      }
      case 'add': {
        const given = [input.at !== undefined, input.every !== undefined, input.cron !== undefined].filter(Boolean).length;
        if (given !== 1) throw new ToolError('add needs exactly one of at (once), every (repeatedly) or cron (a cron expression)');
        if (!input.message) throw new ToolError('add needs a message: what you will be told when it fires');
        if ((await jobs.list()).length >= maxJobs) throw new ToolError(`${maxJobs} jobs are scheduled already: remove some first`);
        const when = input.at !== undefined ? { at: input.at } : input.every !== undefined ? { every: input.every } : { cron: input.cron! };
        const name = input.name ?? `${input.at !== undefined ? 'reminder' : 'task'}-${randomBytes(3).toString('hex')}`;
        const job = await jobs
          .add({ name, when, timeZone: input.tz ?? jobs.timeZone, message: input.message, isolated: input.session === 'isolated' })
          .catch((error: Error) => {
            // The schedule's own checks (a time in the past, a bad expression, a name taken) are for the model to fix.
            throw new ToolError(error.message.replace(/--(\w+)/g, '$1'));
          });
        return `Scheduled "${job.name}": ${job.nextRuns[0] ? `first at ${job.nextRuns[0]}` : 'no firing ahead'}${input.at !== undefined ? ' (once)' : ''}. When it fires, you get "${input.message.slice(0, 200)}" as a new turn, and your answer goes to this chat.`;
      }
    }
  },
});
