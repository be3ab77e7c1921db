import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { namespaceForFile } from '../helpers/namespace.js';
import { runCli } from '../helpers/processes.js';
import { TestStack } from '../helpers/test-stack.js';

describe('clawflow doctor', () => {
  let stack: TestStack;

  beforeAll(async () => {
    stack = await TestStack.start({ namespace: namespaceForFile(import.meta.url) });
    await stack.startWorker();
  });
  afterAll(() => stack?.stop());

  it('says all is well on a running stack, and names the runtime once it is stopped, exiting non-zero', async () => {
    const healthy = await runCli(['doctor', '--json'], stack.env);
    expect(healthy.code, healthy.output).toBe(0);
    const findings = JSON.parse(healthy.output.slice(healthy.output.indexOf('['))) as Array<{ check: string; verdict: string; detail: string }>;
    const verdict = (check: string) => findings.find((f) => f.check === check)?.verdict;
    expect(findings.filter((f) => f.verdict === 'fail')).toEqual([]);
    for (const check of [
      'config',
      'temporal',
      'search attributes',
      'sessions worker',
      'agent worker',
      'tools worker',
      'worker deployment',
      'agent runtime',
      'history key',
    ])
      expect(verdict(check), check).toBe('ok');

    // One screen: the stack, today's sessions, what fires next.
    await stack.send('main:cli:status', 'hello');
    expect((await runCli(['cron', 'add', '--name', 'standup', '--cron', '0 9 * * 1-5', '--tz', 'UTC', '--message', 'standup notes'], stack.env)).code).toBe(0);
    const status = await runCli(['status'], stack.env);
    expect(status.code, status.output).toBe(0);
    expect(status.output).toMatch(/^ok {3}agent runtime: /m);
    expect(status.output).toMatch(/^Sessions: 1 \(1 active today, 0 answering now\)$/m);
    expect(status.output).toContain('Approvals waiting: none');
    expect(status.output).toMatch(/^ {2}\d{4}-\d\d-\d\dT09:00:00\.000Z {2}standup: standup notes$/m);

    await stack.runtime.close();
    const sick = await runCli(['doctor'], stack.env);
    expect(sick.code, sick.output).not.toBe(0);
    expect(sick.output).toMatch(
      /^FAIL agent runtime: not answering at http:\/\/127\.0\.0\.1:\d+ \(.*\): start ClawFlow \(npm start\) or `clawflow runtime`, or fix runtime\.url$/m,
    );
    expect(sick.output).toMatch(/^ok {3}sessions worker: \d+ polling clawflow-sessions$/m);
    expect(sick.output).toContain('1 problem to fix.');
  });
});
