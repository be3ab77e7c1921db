import { describe, expect, it } from 'vitest';
import { parseWorkerRoles } from '../../src/workers/worker-roles.js';
import { runCli } from '../helpers/processes.js';

describe('clawflow worker --queues', () => {
  it('takes the queues named, once each', () => {
    expect(parseWorkerRoles('sessions, agent,sessions')).toEqual(['sessions', 'agent']);
    expect(parseWorkerRoles('tools')).toEqual(['tools']);
  });

  it('refuses a queue it does not know, naming the ones it does, before connecting to anything', async () => {
    expect(() => parseWorkerRoles('sessions,connector')).toThrow('no such worker queue: connector (choose from sessions, agent, tools)');
    expect(() => parseWorkerRoles(' , ')).toThrow('name at least one of sessions, agent, tools');
    const { code, output } = await runCli(['worker', '--queues', 'sessoins'], { TEMPORAL_ADDRESS: '127.0.0.1:1' });
    expect(code).not.toBe(0);
    expect(output).toContain('no such worker queue: sessoins');
  });
});
