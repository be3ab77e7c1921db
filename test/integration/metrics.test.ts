import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { namespaceForFile } from '../helpers/namespace.js';
import { freePort } from '../helpers/ports.js';
import type { CliProcess } from '../helpers/processes.js';
import { TestStack } from '../helpers/test-stack.js';

describe('Prometheus metrics (metrics.port)', () => {
  let stack: TestStack;
  let port: number;
  let tools: CliProcess;
  const scrape = async (): Promise<string> => (await fetch(`http://127.0.0.1:${port}/metrics`)).text();

  beforeAll(async () => {
    port = await freePort();
    stack = await TestStack.start({ namespace: namespaceForFile(import.meta.url), config: { metrics: { port } } });
    await stack.startWorker('sessions,agent');
    tools = await stack.startWorker('tools', { CLAWFLOW_METRICS_PORT: String(await freePort()) });
  });
  afterAll(() => stack?.stop());

  it("serves Temporal's metrics and ClawFlow's own: turns, turn latency, model step latency", async () => {
    stack.model.setReply(() => 'counted');
    await stack.send('main:cli:metrics', 'one');
    await stack.send('main:cli:metrics', 'two');
    await expect.poll(async () => /^clawflow_turns\{[^}]*outcome="answered"[^}]*\} 2$/m.test(await scrape()), { timeout: 15_000 }).toBe(true);
    const text = await scrape();
    expect(text).toMatch(/^clawflow_turn_latency_bucket\{[^}]*agent="main"[^}]*\} \d+$/m);
    expect(text).toMatch(/^clawflow_model_step_latency_count\{[^}]*kind="reply"[^}]*model="scripted"[^}]*\} 2$/m);
    expect(text).toMatch(/^temporal_workflow_task_execution_latency/m);
  });

  it('shows the backlog of a task queue whose workers are gone, and the approvals waiting', async () => {
    const gauge = (name: string, queue?: string): RegExp => new RegExp(`^${name}(?:\\{[^}]*${queue ? `queue="${queue}"` : ''}[^}]*\\})? (\\d+)$`, 'm');
    const value = async (name: string, queue?: string): Promise<number | null> => {
      const found = gauge(name, queue).exec(await scrape());
      return found ? Number(found[1]) : null;
    };
    await expect.poll(() => value('clawflow_queue_backlog', 'clawflow-tools'), { timeout: 15_000 }).toBe(0);
    stack.model.setReply((r) => {
      const last = r.messages.at(-1)!;
      if (last.role === 'tool') return 'read it';
      if (last.content === 'read the notes') return { toolCalls: [{ name: 'read', arguments: { path: 'notes.txt' } }] };
      if (last.content === 'run a command') return { toolCalls: [{ name: 'exec', arguments: { command: 'echo hi' } }] };
      return 'ok';
    });

    // No tools worker: the turn's steps on the tools host (its workspace, then the read) wait on clawflow-tools.
    await stack.kill(tools, 'SIGTERM');
    const reading = stack.send('main:cli:metrics-tools', 'read the notes');
    await expect.poll(async () => (await value('clawflow_queue_backlog', 'clawflow-tools')) ?? 0, { timeout: 20_000 }).toBeGreaterThan(0);
    tools = await stack.startWorker('tools', { CLAWFLOW_METRICS_PORT: String(await freePort()) });
    expect(await reading).toMatchObject({ text: 'read it' });
    await expect.poll(() => value('clawflow_queue_backlog', 'clawflow-tools'), { timeout: 20_000 }).toBe(0);

    // A command waits for the user's approval (tools.exec.policy "ask").
    expect(await value('clawflow_approvals_waiting')).toBe(0);
    const asking = stack.send('main:cli:metrics-approval', 'run a command').catch(() => null);
    await expect.poll(() => value('clawflow_approvals_waiting'), { timeout: 20_000 }).toBe(1);
    void asking;
  });
});
