import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { namespaceForFile } from '../helpers/namespace.js';
import { freePort } from '../helpers/ports.js';
import { TestStack } from '../helpers/test-stack.js';

describe('Prometheus metrics (metrics.port)', () => {
  let stack: TestStack;
  let port: number;

  beforeAll(async () => {
    port = await freePort();
    stack = await TestStack.start({ namespace: namespaceForFile(import.meta.url), config: { metrics: { port } } });
    await stack.startWorker();
  });
  afterAll(() => stack?.stop());

  it('serves Temporal\'s metrics and ClawFlow\'s own: turns, turn latency, model step latency', async () => {
    stack.model.setReply(() => 'counted');
    await stack.send('main:cli:metrics', 'one');
    await stack.send('main:cli:metrics', 'two');
    const scrape = async () => (await (await fetch(`http://127.0.0.1:${port}/metrics`)).text());
    await expect.poll(async () => /^clawflow_turns\{[^}]*outcome="answered"[^}]*\} 2$/m.test(await scrape()), { timeout: 15_000 }).toBe(true);
    const text = await scrape();
    expect(text).toMatch(/^clawflow_turn_latency_bucket\{[^}]*agent="main"[^}]*\} \d+$/m);
    expect(text).toMatch(/^clawflow_model_step_latency_count\{[^}]*kind="reply"[^}]*model="scripted"[^}]*\} 2$/m);
    expect(text).toMatch(/^temporal_workflow_task_execution_latency/m);
  });
});
