import { describe, expect, it } from 'vitest';
import { cliCommand } from '../../src/cli/cli-command.js';

describe('how hints name the CLI', () => {
  it('says npx clawflow when npm started it (npx, npm start), clawflow when it was run as clawflow', () => {
    expect(cliCommand({ npm_command: 'exec' })).toBe('npx clawflow');
    expect(cliCommand({ npm_command: 'start' })).toBe('npx clawflow');
    expect(cliCommand({})).toBe('clawflow');
  });
});
