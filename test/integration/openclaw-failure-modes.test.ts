import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deliverInbound } from '../../src/session-client/session-client.js';
import { startDevServer, type DevServer, type DevServerOptions } from '../../src/temporal/dev-server.js';
import { statusQuery } from '../../src/workflows/messages.js';
import { cronScheduleId } from '../../src/schedules/schedule-ids.js';
import { scheduleFirings } from '../helpers/schedule-firings.js';
import { FakeTelegram } from '../helpers/fake-telegram.js';
import { runCli, type CliProcess } from '../helpers/processes.js';
import { TestStack } from '../helpers/test-stack.js';
import { ownDevServerOptions } from '../helpers/own-dev-server.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The failure modes OpenClaw's users report (github.com/openclaw/openclaw issues, listed in the reference notes),
 * each reproduced against ClawFlow. Those covered elsewhere: #121269 (a message orphaned by restart recovery) and
 * #42681 (duplicate replies) in telegram.test.ts, #127339 (a resumed turn that answered only into the transcript) in
 * stack-kill-recovery.test.ts, #137355 (a session skipped by recovery, its next message dropped) in chaos.test.ts,
 * #71127 (stuck sessions) in repair.test.ts, #137215 (a firing overlapping the one still running) in schedules.test.ts.
 */
describe('what goes wrong for OpenClaw users, reproduced against ClawFlow', () => {
  let options: DevServerOptions;
  let server: DevServer;
  let stack: TestStack;
  let worker: CliProcess;
  const telegram = new FakeTelegram();
  const dir = mkdtempSync(join(tmpdir(), 'clawflow-failure-modes-'));

  const cli = async (...args: string[]) => {
    const result = await runCli(args, stack.env);
    expect(result.code, result.output).toBe(0);
    return result.output;
  };
  const asked = (text: string) =>
    stack.model.requests.filter((r) =>
      r.messages
        .filter((m) => m.role === 'user')
        .at(-1)
        ?.content?.includes(text),
    ).length;
  const sentTo = (chat: number, text: string) => telegram.sent().filter((m) => Number(m.chat_id) === chat && String(m.text).includes(text));
  const restartServer = async (downMs: number) => {
    await server.stop();
    await sleep(downMs);
    server = await startDevServer(options);
  };

  beforeAll(async () => {
    // These tests stop the Temporal server, so they run one of their own.
    options = await ownDevServerOptions(dir);
    server = await startDevServer(options);
    await telegram.start();
    stack = await TestStack.start({
      namespace: 'default',
      temporalAddress: server.address,
      config: {
        channels: { telegram: { apiRoot: telegram.apiRoot, allowFrom: ['42', '43'], pollTimeoutSeconds: 1 } },
        schedules: { timeZone: 'UTC' },
        agent: { heartbeatTimeoutSeconds: 2 },
      },
      env: { CLAWFLOW_TELEGRAM_BOT_TOKEN: '123456:TEST-token' },
    });
    stack.model.setReply((r) => `noted: ${r.messages.at(-1)?.content ?? ''}`);
    worker = await stack.startWorker();
    await stack.startConnector();
  });
  afterAll(async () => {
    await stack?.stop();
    await telegram.stop();
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('#85871 #132859 #65161 — the heartbeat fires on its own, and keeps firing across a worker kill -9 and a Temporal server restart', async () => {
    stack.model.setReply((r) => (r.messages.at(-1)?.content?.startsWith('Heartbeat:') ? 'HEARTBEAT_OK' : `noted: ${r.messages.at(-1)?.content ?? ''}`));
    const heartbeats = () => stack.model.requests.filter((r) => r.messages.at(-1)?.content?.startsWith('Heartbeat:')).length;
    try {
      // Never run by hand: only the schedule fires it.
      await cli('heartbeat', 'set', '--every', '2s', '--to', 'telegram:42');
      await expect.poll(heartbeats, { timeout: 30_000 }).toBeGreaterThanOrEqual(2);

      await stack.kill(worker, 'SIGKILL');
      worker = await stack.startWorker();
      let before = heartbeats();
      await expect.poll(heartbeats, { timeout: 30_000 }).toBeGreaterThanOrEqual(before + 2);

      await restartServer(1000);
      before = heartbeats();
      await expect.poll(heartbeats, { timeout: 30_000 }).toBeGreaterThanOrEqual(before + 2);
      // Nothing to report: nothing was sent.
      expect(telegram.sent().filter((m) => String(m.text).includes('HEARTBEAT_OK'))).toHaveLength(0);
    } finally {
      await cli('heartbeat', 'off');
      stack.model.setReply((r) => `noted: ${r.messages.at(-1)?.content ?? ''}`);
    }
  });

  it('#33092 — a Temporal server down across a cron slot does not skip the job: it runs once when the server is back', async () => {
    const at = new Date(Date.now() + 8000).toISOString().replace(/\.\d+Z$/, 'Z');
    await cli('cron', 'add', '--name', 'across-restart', '--at', at, '--message', 'slot while the server was down', '--to', 'telegram:43');
    await server.stop();
    try {
      await sleep(Math.max(0, Date.parse(at) - Date.now()) + 4000);
    } finally {
      server = await startDevServer(options);
    }
    await expect.poll(() => sentTo(43, 'slot while the server was down').length, { timeout: 60_000 }).toBe(1);
    // Its firing is over: nothing more can come of it.
    await expect.poll(() => scheduleFirings(stack.client, cronScheduleId('main', 'across-restart'), 'Running')).toBe(0);
    expect(asked('slot while the server was down')).toBe(1);
    expect(sentTo(43, 'slot while the server was down')).toHaveLength(1);
  });

  it('#42640 — catch-up after a restart does not run again what already ran: one delivery per firing', async () => {
    await cli('cron', 'add', '--name', 'tick', '--every', '3s', '--message', 'tick', '--to', 'telegram:43');
    try {
      await expect.poll(() => sentTo(43, 'noted: tick').length, { timeout: 30_000 }).toBeGreaterThanOrEqual(2);
      await stack.kill(worker, 'SIGKILL');
      await restartServer(2000);
      worker = await stack.startWorker();
      const before = sentTo(43, 'noted: tick').length;
      await expect.poll(() => sentTo(43, 'noted: tick').length, { timeout: 30_000 }).toBeGreaterThanOrEqual(before + 2);
    } finally {
      await cli('cron', 'rm', 'tick');
    }
    // The job is gone and its last firing over: every delivery it will make is made.
    await expect.poll(() => scheduleFirings(stack.client, cronScheduleId('main', 'tick'), 'Running')).toBe(0);
    // Every firing is a workflow of its own; each delivered once, none twice.
    const firings: string[] = [];
    for await (const w of stack.client.workflow.list({
      query: `WorkflowType = 'ScheduledTurnWorkflow' AND WorkflowId STARTS_WITH 'cron:main:tick' AND ExecutionStatus = 'Completed'`,
    }))
      firings.push(w.workflowId);
    expect(new Set(firings).size).toBe(firings.length);
    expect(sentTo(43, 'noted: tick').length).toBe(firings.length);
  });

  it('#71127 — a model call that hangs while every process stays up ends by itself with an error the user reads; the next message is answered', async () => {
    // A separate session whose turns may take 2 s and are given up after 5 s.
    const key = 'main:test:hang';
    const config = stack.config;
    stack.config = { ...config, agent: { ...config.agent, turnTimeoutSeconds: 2, retryForSeconds: 5 } };
    try {
      await stack.send(key, 'remember: the colour is teal');
      stack.model.hold();
      const started = performance.now();
      const failed = await stack.send(key, 'what colour?').then(
        () => null,
        (error: unknown) => error,
      );
      expect(String((failed as { cause?: { message?: string } })?.cause?.message)).toMatch(/^The agent could not answer/);
      expect(performance.now() - started).toBeLessThan(20_000);
      stack.model.release();
      const status = await stack.client.workflow.getHandle(`session:${key}`).query(statusQuery);
      expect(status).toMatchObject({ status: 'idle', queued: 0 });
      expect(await stack.send(key, 'and now?')).toMatchObject({ turn: 3, text: 'noted: and now?' });
    } finally {
      stack.model.release();
      stack.config = config;
    }
  });

  it('messages queued behind a running turn are not lost when the worker is killed -9 (OpenClaw keeps them in memory)', async () => {
    const key = 'main:test:queued-kill';
    stack.model.hold();
    const requests = stack.model.requests.length;
    const first = stack.send(key, 'first, while the model thinks');
    await stack.model.waitForRequests(requests + 1);
    await deliverInbound(stack.client, stack.config, key, { text: 'second, queued', messageId: 'queued-2' });
    await deliverInbound(stack.client, stack.config, key, { text: 'third, queued', messageId: 'queued-3' });
    await stack.kill(worker, 'SIGKILL');
    worker = await stack.startWorker();
    stack.model.release();
    // Its caller is answered. When the worker died before the turn's first workflow task was recorded (a model call
    // in the worker keeps it open), Temporal hands the new worker the two signals before the earlier update: the
    // three are then answered in one turn (queue mode collect), in the order they were sent, not the order handed over.
    expect(await first).toMatchObject({ turn: 1, text: expect.stringMatching(/^noted: /) });
    await expect.poll(async () => (await stack.storedTranscript(key)).filter((e) => e.role === 'user').length, { timeout: 60_000 }).toBe(3);
    const transcript = await stack.storedTranscript(key);
    expect(transcript.filter((e) => e.role === 'user').map((e) => e.text)).toEqual(['first, while the model thinks', 'second, queued', 'third, queued']);
    const answers = transcript.filter((e) => e.role === 'assistant');
    // Each message once: answered in one turn or two (the second when the first turn was on record before the kill).
    expect(answers.length).toBeGreaterThanOrEqual(1);
    expect(new Set(answers.map((e) => e.turn)).size).toBe(answers.length);
    expect(answers.at(-1)!.text).toBe('noted: third, queued');
  });
});
