import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cronScheduleId, heartbeatScheduleId } from '../../src/schedules/schedule-ids.js';
import { scheduleFirings } from '../helpers/schedule-firings.js';
import { FakeTelegram } from '../helpers/fake-telegram.js';
import { namespaceForFile } from '../helpers/namespace.js';
import { runCli, type CliProcess } from '../helpers/processes.js';
import { TestStack } from '../helpers/test-stack.js';

describe('heartbeat and cron on Temporal Schedules', () => {
  const telegram = new FakeTelegram();
  let stack: TestStack;
  let worker: CliProcess;

  const cli = async (...args: string[]) => {
    const result = await runCli(args, stack.env);
    expect(result.code, result.output).toBe(0);
    return result.output;
  };
  const asked = (text: string) => stack.model.requests.filter((r) => r.messages.some((m) => m.role === 'user' && m.content?.includes(text))).length;
  const sentTo = (chat: number) => telegram.sent().filter((m) => Number(m.chat_id) === chat);
  /** A job's firings (its schedule's workflow runs) in a state: the barriers these tests wait on instead of sleeping. */
  const firings = (scheduleId: string, status: 'Running' | 'Completed') => scheduleFirings(stack.client, scheduleId, status);
  /**
   * Waits until a job's firing is over and its schedule knows it: the schedule learns a little after the workflow ends,
   * and a run asked for meanwhile is skipped as overlapping the last.
   */
  const firingOver = async (scheduleId: string, completedBefore: number) => {
    await expect.poll(() => firings(scheduleId, 'Completed'), { timeout: 20_000 }).toBe(completedBefore + 1);
    await expect.poll(async () => (await stack.client.schedule.getHandle(scheduleId).describe()).info.runningActions.length, { timeout: 20_000 }).toBe(0);
  };

  beforeAll(async () => {
    await telegram.start();
    stack = await TestStack.start({
      namespace: namespaceForFile(import.meta.url),
      config: { channels: { telegram: { apiRoot: telegram.apiRoot, allowFrom: ['42'], pollTimeoutSeconds: 1 } }, schedules: { timeZone: 'UTC' } },
      env: { CLAWFLOW_TELEGRAM_BOT_TOKEN: '123456:TEST-token' },
    });
    stack.model.setReply((r) => `noted: ${r.messages.at(-1)?.content ?? ''}`);
    worker = await stack.startWorker();
    await stack.startConnector();
  });
  afterAll(async () => {
    await stack?.stop();
    await telegram.stop();
  });

  it("gives the agent's cron tool only the jobs made with it in the same conversation: not another chat's, not the CLI's", async () => {
    /** The model calls the cron tool with the arguments the message names, then says what it answered. */
    stack.model.setReply((r) => {
      const last = r.messages.at(-1)!;
      if (last.role === 'tool') return `tool: ${last.content}`;
      return { toolCalls: [{ name: 'cron', arguments: JSON.parse(String(last.content)) as Record<string, unknown> }] };
    });
    const tool = async (session: string, args: Record<string, unknown>): Promise<string> => (await stack.send(session, JSON.stringify(args))).text;
    try {
      const owner = 'main:telegram:42';
      const group = 'main:telegram:-100777';
      await cli('cron', 'add', '--name', 'backup', '--every', '1d', '--message', "the owner's nightly backup check");
      expect(await tool(owner, { action: 'add', name: 'dentist', at: '2099-01-01T09:00:00Z', message: 'private: dentist at 10' })).toMatch(
        /^tool: Scheduled "dentist"/,
      );

      // A group member's turn: the owner's reminder and the CLI's job are not there to list, run or remove.
      const listed = await tool(group, { action: 'list' });
      expect(listed).not.toMatch(/dentist|backup/);
      expect(await tool(group, { action: 'run', name: 'dentist' })).toMatch(/no job .*"dentist"/);
      expect(await tool(group, { action: 'remove', name: 'backup' })).toMatch(/no job .*"backup"/);
      expect(await tool(group, { action: 'remove', name: 'dentist' })).toMatch(/no job .*"dentist"/);

      // The owner's conversation sees its own reminder, and only it.
      const own = await tool(owner, { action: 'list' });
      expect(own).toContain('dentist');
      expect(own).not.toContain('backup');
      const jobs = JSON.parse(await cli('cron', 'list', '--json')) as Array<{ name: string; createdBy: string | null }>;
      expect(
        jobs
          .filter((j) => ['dentist', 'backup'].includes(j.name))
          .map((j) => [j.name, j.createdBy])
          .sort(),
      ).toEqual([
        ['backup', null],
        ['dentist', owner],
      ]);
      expect(await tool(owner, { action: 'remove', name: 'dentist' })).toBe('tool: Removed "dentist".');
    } finally {
      await runCli(['cron', 'rm', 'backup'], stack.env);
      await runCli(['cron', 'rm', 'dentist'], stack.env);
      stack.model.setReply((r) => `noted: ${r.messages.at(-1)?.content ?? ''}`);
    }
  });

  it('fires an every-2-seconds job and its answer reaches the channel', async () => {
    await cli('cron', 'add', '--name', 'ping', '--every', '2s', '--message', 'scheduled ping', '--to', 'telegram:42');
    const listed = JSON.parse(await cli('cron', 'list', '--json')) as Array<{ name: string; nextRuns: string[]; fires: string }>;
    // The table and the JSON say how it fires: every, at, or cron.
    expect(listed.find((j) => j.name === 'ping')?.fires).toBe('every');
    expect(await cli('cron', 'list')).toMatch(/^ping +every /m);
    expect(listed).toContainEqual(expect.objectContaining({ name: 'ping', nextRuns: expect.arrayContaining([expect.any(String)]) }));
    await expect.poll(() => sentTo(42).filter((m) => String(m.text).includes('scheduled ping')).length, { timeout: 30_000 }).toBeGreaterThanOrEqual(2);
    await cli('cron', 'rm', 'ping');
    expect(JSON.parse(await cli('cron', 'list', '--json'))).not.toContainEqual(expect.objectContaining({ name: 'ping' }));
  });

  it('runs an isolated job in a one-off session and delivers only its result', async () => {
    await cli('cron', 'add', '--name', 'report', '--every', '1h', '--message', 'isolated report please', '--session', 'isolated', '--to', 'telegram:43');
    await cli('cron', 'run', 'report');
    await expect.poll(() => sentTo(43).length, { timeout: 20_000 }).toBe(1);
    expect(sentTo(43)[0]).toMatchObject({ text: 'noted: isolated report please' });
    // The list says how the last firing ended.
    const outcome = async () =>
      (JSON.parse(await cli('cron', 'list', '--json')) as Array<{ name: string; lastOutcome: unknown }>).find((j) => j.name === 'report')?.lastOutcome;
    await expect.poll(outcome, { timeout: 15_000 }).toEqual({ status: 'delivered', detail: 'sent to telegram:43' });
    const sessions = JSON.parse(await cli('sessions', 'list', '--json')) as Array<{ sessionKey: string }>;
    expect(sessions.some((s) => s.sessionKey.startsWith('main:cron:report-'))).toBe(true);
    await cli('cron', 'rm', 'report');
  });

  it('runs a firing missed while the workers were down exactly once when they return, and a one-shot job then removes itself', async () => {
    await stack.kill(worker, 'SIGTERM');
    try {
      // Far enough ahead that a slow CLI start on a loaded machine still adds it before it is due.
      const at = new Date(Date.now() + 10_000).toISOString().replace(/\.\d+Z$/, 'Z');
      await cli('cron', 'add', '--name', 'once', '--at', at, '--message', 'one-shot while asleep');
      // It fired (its run waits for a worker), and nothing answered it.
      await expect.poll(() => firings(cronScheduleId('main', 'once'), 'Running'), { timeout: 30_000 }).toBe(1);
      expect(asked('one-shot while asleep')).toBe(0);
    } finally {
      // Whatever happened, the later tests have a worker.
      worker = await stack.startWorker();
    }
    await expect.poll(() => asked('one-shot while asleep'), { timeout: 30_000 }).toBe(1);
    await expect
      .poll(async () => (JSON.parse(await cli('cron', 'list', '--json')) as Array<{ name: string }>).some((j) => j.name === 'once'), { timeout: 15_000 })
      .toBe(false);
    // The job is gone and its one run is over: nothing more can ask.
    await expect.poll(() => firings(cronScheduleId('main', 'once'), 'Running'), { timeout: 15_000 }).toBe(0);
    expect(asked('one-shot while asleep')).toBe(1);
  });

  it('does not start a job again while its last run is still going', async () => {
    stack.model.hold();
    try {
      await cli('cron', 'add', '--name', 'slow', '--every', '1s', '--message', 'slow job');
      await expect.poll(() => asked('slow job'), { timeout: 20_000 }).toBe(1);
      // Two firings came and were skipped: only then is "not started again" shown.
      const slow = async () =>
        (JSON.parse(await cli('cron', 'list', '--json')) as Array<{ name: string; lastOutcome: { status: string }; skipped: number }>).find(
          (j) => j.name === 'slow',
        )!;
      await expect.poll(async () => (await slow()).skipped, { timeout: 20_000 }).toBeGreaterThanOrEqual(2);
      expect(asked('slow job')).toBe(1);
      // The list shows that the job is still on its first firing.
      expect((await slow()).lastOutcome.status).toBe('running');
      expect(await cli('cron', 'list')).toMatch(/slow.*running.*\(the one before was still running\)/);
      // Removing the job ends the firing it was stuck on.
      expect(await firings(cronScheduleId('main', 'slow'), 'Running')).toBe(1);
      await cli('cron', 'rm', 'slow');
      await expect.poll(() => firings(cronScheduleId('main', 'slow'), 'Running'), { timeout: 15_000 }).toBe(0);
    } finally {
      stack.model.release();
    }
  });

  it('heartbeat: sends nothing when there is nothing to report, sends once when there is, and stays quiet outside active hours', async () => {
    stack.model.setReply(() => 'HEARTBEAT_OK');
    await cli('heartbeat', 'set', '--every', '1h', '--to', 'telegram:77');
    expect(await cli('heartbeat', 'show')).toMatch(/^Heartbeat on: every 1h/);
    const heartbeats = () => stack.model.requests.filter((r) => r.messages.at(-1)?.content?.startsWith('Heartbeat:')).length;
    const before = heartbeats();
    let done = await firings(heartbeatScheduleId('main'), 'Completed');
    await cli('heartbeat', 'run');
    await expect.poll(heartbeats, { timeout: 20_000 }).toBe(before + 1);
    // Its firing over: whatever it was going to send is sent.
    await firingOver(heartbeatScheduleId('main'), done);
    expect(sentTo(77)).toHaveLength(0);

    stack.model.setReply(() => 'Your dentist appointment is in one hour.');
    await cli('heartbeat', 'run');
    try {
      await expect.poll(() => sentTo(77).length, { timeout: 45_000 }).toBe(1);
    } catch (error) {
      // What the job and its firings say, to tell a skipped firing from a slow one.
      const runs: string[] = [];
      for await (const w of stack.client.workflow.list({ query: `TemporalScheduledById="${heartbeatScheduleId('main')}"` }))
        runs.push(`${w.workflowId} ${w.status.name}`);
      const asked = stack.model.requests.slice(-3).map((r) => String(r.messages.at(-1)?.content).slice(0, 60));
      throw new Error(
        `${(error as Error).message}\nheartbeat: ${await cli('heartbeat', 'show')}firings: ${runs.join('; ')}\nlast model requests: ${asked.join(' | ')}`,
      );
    }
    expect(sentTo(77)[0]).toMatchObject({ text: 'Your dentist appointment is in one hour.' });

    // A window that excludes now: the heartbeat does not even ask the model.
    const hour = new Date().getUTCHours();
    const window = `${String((hour + 2) % 24).padStart(2, '0')}:00-${String((hour + 3) % 24).padStart(2, '0')}:00`;
    await cli('heartbeat', 'set', '--every', '1h', '--active-hours', window, '--tz', 'UTC', '--to', 'telegram:77');
    const quiet = heartbeats();
    done = await firings(heartbeatScheduleId('main'), 'Completed');
    await cli('heartbeat', 'run');
    await firingOver(heartbeatScheduleId('main'), done);
    expect(heartbeats()).toBe(quiet);
    expect(sentTo(77)).toHaveLength(1);
    // Changing only how often keeps the active hours, their zone and where answers go.
    await cli('heartbeat', 'set', '--every', '2h');
    expect(await cli('heartbeat', 'show')).toContain(`Heartbeat on: every 2h, ${window} UTC → telegram:77;`);
    done = await firings(heartbeatScheduleId('main'), 'Completed');
    await cli('heartbeat', 'run');
    await firingOver(heartbeatScheduleId('main'), done);
    expect(heartbeats()).toBe(quiet);
    await cli('heartbeat', 'off');
    expect(await cli('heartbeat', 'show')).toMatch(/^Heartbeat is off/);
    // Off twice is no error.
    expect(await cli('heartbeat', 'off')).toBe('Heartbeat is already off.\n');
  });

  it('refuses bad specs with a clear message and creates nothing', async () => {
    const refused = async (args: string[], message: RegExp) => {
      const result = await runCli(['cron', 'add', '--name', 'bad', '--message', 'x', ...args], stack.env);
      expect(result.code).toBe(1);
      expect(result.output).toMatch(message);
    };
    await refused(['--cron', '61 * * * *'], /not a valid cron expression/);
    await refused(['--every', '2h', '--tz', 'Mars/Olympus'], /unknown time zone "Mars\/Olympus"/);
    await refused(['--at', '2020-01-01T09:00'], /is in the past/);
    await refused(['--every', '2h', '--cron', '0 9 * * *'], /exactly one of --cron, --every, --at/);
    await refused(['--every', 'every day'], /"every day" is not a duration: use a number and a unit, e\.g\. 30s, 15m, 2h, 1d/);
    // A channel that is not configured could never be delivered to.
    await refused(['--every', '1h', '--to', 'sms:123'], /--to "sms:123": no channel "sms" is configured here \(configured: telegram\)/);
    expect(JSON.parse(await cli('cron', 'list', '--json'))).not.toContainEqual(expect.objectContaining({ name: 'bad' }));
  });

  it("keeps a paused job's message and destination, and names a missing job in plain words", async () => {
    await cli('cron', 'add', '--name', 'keep', '--every', '1h', '--message', 'kept message', '--to', 'telegram:42');
    const keep = async () =>
      (JSON.parse(await cli('cron', 'list', '--json')) as Array<{ name: string; paused: boolean; note: string }>).find((j) => j.name === 'keep');
    await cli('cron', 'pause', 'keep');
    expect(await keep()).toMatchObject({ paused: true, note: 'kept message → telegram:42' });
    await cli('cron', 'resume', 'keep');
    expect(await keep()).toMatchObject({ paused: false, note: 'kept message → telegram:42' });
    await cli('cron', 'rm', 'keep');
    for (const args of [
      ['rm', 'keep'],
      ['pause', 'nosuch'],
      ['run', 'nosuch'],
    ]) {
      const result = await runCli(['cron', ...args], stack.env);
      expect(result.code).toBe(1);
      expect(result.output).toMatch(new RegExp(`^error: no such job "${args[1]}" \\(clawflow cron list shows them\\)`));
      expect(result.output).not.toMatch(/temporal|workflow/i);
    }
  });

  it('onboard --heartbeat off turns a running heartbeat off', async () => {
    await cli('heartbeat', 'set', '--every', '45m');
    // Onboarding from another state dir, against this stack's Temporal: only the heartbeat is shared.
    const home = mkdtempSync(join(tmpdir(), 'clawflow-onboard-off-'));
    // The same history key: the schedules' payloads are sealed with it.
    mkdirSync(join(home, 'secrets'), { recursive: true, mode: 0o700 });
    copyFileSync(join(stack.home, 'secrets', 'history-key'), join(home, 'secrets', 'history-key'));
    try {
      const env = { ...stack.env, CLAWFLOW_HOME: home };
      const onboarded = await runCli(
        ['onboard', '--non-interactive', '--model-base-url', stack.model.baseUrl, '--model', 'scripted', '--channel', 'none', '--heartbeat', 'off'],
        env,
      );
      expect(onboarded.code, onboarded.output).toBe(0);
      expect(onboarded.output, onboarded.output).toContain('✓ Heartbeat: turned off');
      expect(await cli('heartbeat', 'show')).toMatch(/^Heartbeat is off/);
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  });
});
