import { WorkflowNotFoundError } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it, inject } from 'vitest';
import { describeSession, listSessions } from '../../src/session-client/session-client.js';
import { describeSessionAt } from '../../src/session-client/session-show-http.js';
import { listSessionsAt } from '../../src/session-client/session-list-http.js';
import { devServerHttpHost } from '../../src/temporal/http-api.js';
import { ScheduleClient } from '../../src/schedules/schedule-client.js';
import { cronScheduleId } from '../../src/schedules/schedule-ids.js';
import { listJobsAt } from '../../src/schedules/schedule-list-http.js';
import { namespaceForFile } from '../helpers/namespace.js';
import { rawRequest } from '../helpers/raw-http.js';
import { TestStack } from '../helpers/test-stack.js';

describe("the dev server's HTTP API", () => {
  const namespace = namespaceForFile(import.meta.url);
  const port = inject('temporalHttpPort');
  let stack: TestStack;

  beforeAll(async () => {
    // Every turn shown at once (session.listRefreshSeconds 0): the two lists are compared right after the turns.
    stack = await TestStack.start({ namespace, config: { session: { listRefreshSeconds: 0 } } });
    await stack.startWorker();
  });
  afterAll(() => stack?.stop());

  it('cannot be driven by a web page: a cross-origin form-style POST that would start a workflow is refused', async () => {
    // What a page's fetch(…, { method: 'POST', mode: 'no-cors', body }) sends: a simple request, no preflight.
    const workflowId = `drive-by-${Date.now()}`;
    const response = await rawRequest(`http://127.0.0.1:${port}/api/v1/namespaces/${namespace}/workflows/${workflowId}`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain;charset=UTF-8', origin: 'https://evil.example' },
      body: JSON.stringify({ workflowType: { name: 'SessionWorkflow' }, taskQueue: { name: 'clawflow-sessions' } }),
    });
    expect(response.status).toBe(403);
    await expect(stack.client.workflow.getHandle(workflowId).describe()).rejects.toBeInstanceOf(WorkflowNotFoundError);
    // A page that rebinds a name of its own to 127.0.0.1 sends that name: refused too.
    const rebound = await rawRequest(`http://127.0.0.1:${port}/api/v1/namespaces/${namespace}/workflows`, { headers: { host: `evil.example:${port}` } });
    expect(rebound.status).toBe(403);
  });

  it('answers the CLI, which lists the same sessions through it as through the gRPC client', async () => {
    await stack.send('main:test:http-a', 'hello');
    await stack.send('main:test:http-b', 'one');
    await stack.send('main:test:http-b', 'two');
    const allowed = await rawRequest(`http://127.0.0.1:${port}/api/v1/namespaces/${namespace}/workflows`, { headers: { host: devServerHttpHost } });
    expect(allowed.status).toBe(200);
    await expect
      .poll(async () => (await listSessionsAt(port, namespace))?.map((s) => `${s.sessionKey} ${s.turns} ${s.status}`).sort(), { timeout: 15_000 })
      .toEqual(['main:test:http-a 1 idle', 'main:test:http-b 2 idle']);
    expect(await listSessionsAt(port, namespace)).toEqual(await listSessions(stack.client));
  });

  it('lists the cron jobs and heartbeat with their next firings as the gRPC client does, their encrypted notes opened', async () => {
    const schedules = new ScheduleClient(stack.client, stack.config);
    await schedules.addCronJob({ name: 'standup', when: { cron: '0 9 * * 1-5' }, timeZone: 'UTC', message: 'standup notes', session: 'main' });
    await schedules.setHeartbeat({ every: '45m', timeZone: 'UTC' });
    await schedules.pause(cronScheduleId('main', 'standup'), true);
    const glance = (jobs: Array<{ id: string; kind: string; name: string; paused: boolean; note: string; nextRuns: string[] }>) =>
      jobs.map(({ id, kind, name, paused, note, nextRuns }) => ({ id, kind, name, paused, note, next: nextRuns[0] }));
    const viaGrpc = glance(await schedules.list());
    expect(viaGrpc.map((j) => `${j.name} ${j.paused}`)).toEqual(['standup true', 'heartbeat false']);
    expect(glance((await listJobsAt(port, stack.config))!)).toEqual(viaGrpc);
  });

  it("shows a session as the gRPC client does, its encrypted query answers opened with the install's key", async () => {
    expect(stack.config.history.encrypt).toBe(true);
    const key = 'main:test:http-show';
    await stack.send(key, 'the harbour is violet');
    await stack.send(key, 'and the boats are green');
    const viaHttp = await describeSessionAt(port, stack.config, key);
    expect(viaHttp).not.toBeNull();
    expect(viaHttp!.view).toEqual(await describeSession(stack.client, stack.config, key));
    expect(viaHttp!.view!.transcript.map((e) => e.text)).toEqual(expect.arrayContaining(['the harbour is violet', 'and the boats are green']));
    expect(await describeSessionAt(port, stack.config, 'main:test:never-was')).toEqual({ view: null });
  });

  it('keeps answering when a session\'s id has a "/" (which its paths cannot carry): that one is read over gRPC', async () => {
    const key = 'main:signal:group.abc/def+ghi=';
    await stack.send(key, 'a group whose id has a slash');
    // The list stays quick for everyone, this session included.
    await expect.poll(async () => (await listSessionsAt(port, namespace))?.some((s) => s.sessionKey === key), { timeout: 15_000 }).toBe(true);
    // Show leaves it to the gRPC client, which reads it whole.
    expect(await describeSessionAt(port, stack.config, key)).toBeNull();
    expect((await describeSession(stack.client, stack.config, key))!.transcript.map((e) => e.text)).toContain('a group whose id has a slash');
  });
});
