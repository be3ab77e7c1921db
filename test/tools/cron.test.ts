import { afterAll, describe, expect, it } from 'vitest';
import { cronTool } from '../../src/tools/cron.js';
import type { AgentJob, AgentJobs } from '../../src/tools/tool.js';
import { toolContexts } from '../helpers/tool-context.js';

/** The agent's jobs in memory, as the cron tool sees them (the Temporal Schedules path is the Telegram test's). */
function memoryJobs(): AgentJobs & { added: Array<Parameters<AgentJobs['add']>[0]> } {
  const jobs = new Map<string, AgentJob>();
  const added: Array<Parameters<AgentJobs['add']>[0]> = [];
  return {
    added,
    timeZone: 'Europe/Lisbon',
    async add(job) {
      added.push(job);
      const summary = { name: job.name, note: job.message, paused: false, nextRuns: ['2026-12-01T17:00:00.000Z'], lastOutcome: null };
      jobs.set(job.name, summary);
      return summary;
    },
    list: async () => [...jobs.values()],
    remove: async (name) => void jobs.delete(name),
    run: async () => undefined,
  };
}

describe('the cron tool: the agent schedules its own turns', () => {
  const contexts = toolContexts();
  afterAll(() => contexts.cleanup());
  const call = (input: Record<string, unknown>, jobs: AgentJobs | null) =>
    cronTool.run(cronTool.input.parse(input), { ...contexts.make(), jobs }) as Promise<string>;

  it("adds a reminder in the user's zone, answering in this conversation, and lists and removes it", async () => {
    const jobs = memoryJobs();
    const added = await call({ action: 'add', at: '2026-12-01T17:00', message: 'Remind the user to call Ana' }, jobs);
    expect(added).toMatch(
      /^Scheduled "reminder-[0-9a-f]{6}": first at 2026-12-01T17:00:00\.000Z \(once\)\. When it fires, you get "Remind the user to call Ana" as a new turn/,
    );
    expect(jobs.added[0]).toMatchObject({ when: { at: '2026-12-01T17:00' }, timeZone: 'Europe/Lisbon', isolated: false });
    const name = jobs.added[0]!.name;
    expect(await call({ action: 'list' }, jobs)).toContain(`- ${name}: next 2026-12-01T17:00:00.000Z — Remind the user to call Ana`);
    expect(await call({ action: 'remove', name }, jobs)).toBe(`Removed "${name}".`);
    expect(await call({ action: 'list' }, jobs)).toBe('No jobs are scheduled from this conversation.');
  });

  it('says what is missing or wrong, and refuses to pile up jobs', async () => {
    const jobs = memoryJobs();
    await expect(call({ action: 'add', message: 'x' }, jobs)).rejects.toThrow(
      'add needs exactly one of at (once), every (repeatedly) or cron (a cron expression)',
    );
    await expect(call({ action: 'add', at: '2026-12-01T17:00', every: '1h', message: 'x' }, jobs)).rejects.toThrow(/exactly one of/);
    await expect(call({ action: 'add', every: '1h' }, jobs)).rejects.toThrow('add needs a message');
    await expect(call({ action: 'remove', name: 'nothing-here' }, jobs)).rejects.toThrow('no job of this conversation is called "nothing-here"');
    await expect(call({ action: 'run' }, jobs)).rejects.toThrow("run needs the job's name");
    await expect(call({ action: 'list' }, null)).rejects.toThrow('scheduling is not available on this tools host');
    for (let i = 0; i < 50; i++) await call({ action: 'add', name: `job-${i}`, every: '1h', message: 'x' }, jobs);
    await expect(call({ action: 'add', every: '1h', message: 'one more' }, jobs)).rejects.toThrow('50 jobs are scheduled already: remove some first');
  });
});
