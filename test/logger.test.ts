import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

describe('log lines', () => {
  it('say the level by name beside its number in JSON, so a tool can filter on the word (agentcore logs --level error)', () => {
    const script = "import { createLogger } from './src/logger.ts'; const log = createLogger('info'); log.error('it broke'); log.info('fine'); log.flush();";
    const run = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      env: { ...process.env, CLAWFLOW_LOG_FORMAT: 'json' },
      encoding: 'utf8',
    });
    const lines = run.stderr
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lines).toEqual([
      expect.objectContaining({ level: 50, severity: 'ERROR', msg: 'it broke' }),
      expect.objectContaining({ level: 30, severity: 'INFO', msg: 'fine' }),
    ]);
  });
});
