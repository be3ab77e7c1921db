import type { Command } from 'commander';
import type { JobSummary } from '../../schedules/schedule-client.js';
import { printJson, printTable } from '../output.js';
import { agentOption, withSchedules, zoneOf } from './with-schedules.js';

function printJobs(jobs: JobSummary[], json?: boolean): void {
  if (json) return printJson(jobs);
  printTable(
    jobs.map((j) => ({
      name: j.name,
      kind: j.kind === 'heartbeat' ? 'heartbeat' : j.fires,
      state: j.paused ? 'paused' : 'active',
      next: j.nextRuns[0] ?? '-',
      last: j.lastRun ?? '-',
      outcome: j.lastOutcome ? `${j.lastOutcome.status}: ${j.lastOutcome.detail}` : '-',
      skipped: j.skipped ? `${j.skipped} (the one before was still running)` : '0',
      note: j.note,
    })),
    'No jobs. Add one with `clawflow cron add` or `clawflow heartbeat set`.',
  );
}

export function registerCron(program: Command): void {
  const cron = program.command('cron').description('scheduled messages to the agent (Temporal Schedules: they fire even after the machine slept, never twice)');
  cron
    .command('add')
    .description('add a job: a message the agent gets on a schedule')
    .requiredOption('--name <name>', "the job's name (lowercase letters, digits, - and _)")
    .option('--cron <expression>', 'a five-field cron expression, e.g. "0 9 * * 1-5"')
    .option('--every <duration>', 'an interval, e.g. 30m, 2h')
    .option('--at <time>', 'once, at an ISO time, e.g. 2026-12-01T09:00')
    .option('--tz <zone>', "IANA time zone for --cron and --at (default: schedules.timeZone or this machine's)")
    .requiredOption('--message <text>', 'what the agent is told')
    .option('--session <kind>', '"main" (a turn in the main session) or "isolated" (a one-off session)', 'main')
    .option('--to <channel:chat>', 'where the answer goes, e.g. telegram:123456789')
    .option('--agent <id>', 'the agent whose job it is (default: the default agent)')
    .option('--json', 'print the job as JSON')
    .action(
      async (options: {
        name: string;
        cron?: string;
        every?: string;
        at?: string;
        tz?: string;
        message: string;
        session: string;
        to?: string;
        agent?: string;
        json?: boolean;
      }) => {
        const whens = [
          options.cron ? { cron: options.cron } : null,
          options.every ? { every: options.every } : null,
          options.at ? { at: options.at } : null,
        ].filter((w) => w !== null);
        if (whens.length !== 1) throw new Error('give exactly one of --cron, --every, --at');
        if (options.session !== 'main' && options.session !== 'isolated') throw new Error(`--session must be "main" or "isolated", not "${options.session}"`);
        const job = await withSchedules((schedules, config) =>
          schedules.addCronJob({
            name: options.name,
            when: whens[0]!,
            timeZone: zoneOf(config, options.tz),
            message: options.message,
            session: options.session as 'main' | 'isolated',
            agentId: agentOption(config, options.agent),
            ...(options.to ? { to: options.to } : {}),
          }),
        );
        if (options.json) printJson(job);
        else process.stdout.write(`Added ${job.name}; next run ${job.nextRuns[0] ?? '(none)'}.\n`);
      },
    );
  cron
    .command('list')
    .description('every job with its next runs')
    .option('--json', 'print JSON')
    .action(async (options: { json?: boolean }) => printJobs(await withSchedules((s) => s.list()), options.json));
  for (const [name, description] of [
    ['rm', 'remove a job'],
    ['pause', 'pause a job'],
    ['resume', 'resume a paused job'],
    ['run', 'run a job now, besides its schedule'],
  ] as const) {
    cron
      .command(name)
      .description(description)
      .argument('<name>', "the job's name")
      .option('--agent <id>', 'the agent whose job it is (default: the default agent)')
      .action(async (job: string, options: { agent?: string }) => {
        await withSchedules(async (schedules, config, mod) => {
          const id = mod.cronScheduleId(agentOption(config, options.agent), job);
          try {
            if (name === 'rm') await schedules.remove(id);
            else if (name === 'run') await schedules.trigger(id);
            else await schedules.pause(id, name === 'pause');
          } catch (error) {
            // A removed schedule answers "workflow execution already completed": to the user, it is just gone.
            if (error instanceof mod.ScheduleNotFoundError || /already completed|not found/i.test((error as Error).message)) {
              throw new Error(`no such job "${job}" (clawflow cron list shows them)`);
            }
            throw error;
          }
        });
        process.stdout.write(`${{ rm: 'Removed', pause: 'Paused', resume: 'Resumed', run: 'Started' }[name]} ${job}.\n`);
      });
  }
}
