import type { Command } from 'commander';
import { printJson } from '../output.js';
import { agentOption, withSchedules } from './with-schedules.js';

export function registerHeartbeat(program: Command): void {
  const heartbeat = program.command('heartbeat').description("the agent's periodic check-in (HEARTBEAT.md), answered only when there is something to say");
  heartbeat
    .command('show')
    .description("the heartbeat's schedule")
    .option('--agent <id>', "another agent's heartbeat (default: the default agent)")
    .option('--json', 'print JSON')
    .action(async (options: { json?: boolean; agent?: string }) => {
      const job = await withSchedules(async (s, config, mod) =>
        s
          .describe(mod.heartbeatScheduleId(agentOption(config, options.agent)))
          .catch((e: unknown) => (e instanceof mod.ScheduleNotFoundError ? null : Promise.reject(e))),
      );
      if (options.json) return printJson(job);
      process.stdout.write(
        job
          ? `Heartbeat ${job.paused ? 'paused' : 'on'}: ${job.note}; next ${job.nextRuns[0] ?? '-'}.\n`
          : 'Heartbeat is off. Turn it on with `clawflow heartbeat set --every 30m`.\n',
      );
    });
  heartbeat
    .command('set')
    .description('turn the heartbeat on, or change it (what you do not give stays as it was)')
    .option('--every <duration>', 'how often (first time: 30m)')
    .option('--active-hours <HH:MM-HH:MM>', 'only within these hours')
    .option('--tz <zone>', 'time zone of the active hours')
    .option('--to <channel:chat>', 'where answers go (default: the channel the main session last heard from)')
    .option('--agent <id>', "another agent's heartbeat: its HEARTBEAT.md, its main session (default: the default agent)")
    .action(async (options: { every?: string; activeHours?: string; tz?: string; to?: string; agent?: string }) => {
      const job = await withSchedules((s, config) =>
        s.setHeartbeat({
          agentId: agentOption(config, options.agent),
          ...(options.every ? { every: options.every } : {}),
          ...(options.tz ? { timeZone: options.tz } : {}),
          ...(options.activeHours ? { activeHours: options.activeHours } : {}),
          ...(options.to ? { to: options.to } : {}),
        }),
      );
      process.stdout.write(`Heartbeat on: ${job.note}; next ${job.nextRuns[0] ?? '-'}.\n`);
    });
  heartbeat
    .command('off')
    .description('turn the heartbeat off')
    .option('--agent <id>', "another agent's heartbeat")
    .action(async (options: { agent?: string }) => {
      const wasOn = await withSchedules((s, config) => s.heartbeatOff(agentOption(config, options.agent)));
      process.stdout.write(wasOn ? 'Heartbeat off.\n' : 'Heartbeat is already off.\n');
    });
  heartbeat
    .command('run')
    .description('run the heartbeat now')
    .option('--agent <id>', "another agent's heartbeat")
    .action(async (options: { agent?: string }) => {
      await withSchedules((s, config, mod) => s.trigger(mod.heartbeatScheduleId(agentOption(config, options.agent))));
      process.stdout.write('Heartbeat started.\n');
    });
}
