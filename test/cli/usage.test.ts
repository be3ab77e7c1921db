import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/processes.js';

describe('the CLI with bad input: one clear line, no wall of help', () => {
  const home = mkdtempSync(join(tmpdir(), 'clawflow-usage-'));
  const env = { CLAWFLOW_HOME: home, TEMPORAL_ADDRESS: '127.0.0.1:1' };
  afterAll(() => rmSync(home, { recursive: true, force: true }));

  it('answers a usage error with the error and the help of that very command', async () => {
    for (const args of [['send'], ['sessions', 'show', '--bogus'], ['cron', 'add']]) {
      const { code, output } = await runCli(args, env);
      expect(code, args.join(' ')).toBe(1);
      expect(output, args.join(' ')).toMatch(
        new RegExp(`^error: .+\\n\\(see (npx )?clawflow ${args.filter((a) => !a.startsWith('-')).join(' ')} --help\\)\\n$`),
      );
      expect(output).not.toContain('Usage:');
    }
  });

  it('refuses an agent this install does not have instead of ignoring it', async () => {
    const { code, output } = await runCli(['send', 'me', 'hello', '--agent', 'nosuch'], env);
    expect(code).toBe(1);
    expect(output).toContain('there is no agent "nosuch" (agents: main');
  });

  it('prints the configuration for reading, and as JSON for scripts', async () => {
    const plain = await runCli(['config'], env);
    expect(plain.output).toMatch(/^# The effective configuration/);
    expect(plain.output).toMatch(/^temporal:\n {2}address: 127\.0\.0\.1:1$/m);
    const json = await runCli(['config', '--json'], env);
    expect(JSON.parse(json.output)).toMatchObject({ temporal: { address: '127.0.0.1:1' } });
  });
});
