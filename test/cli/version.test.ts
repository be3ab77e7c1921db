import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/processes.js';

describe('clawflow --version', () => {
  it('prints the version of this checkout', async () => {
    const { version } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
    expect(await runCli(['--version'], {})).toEqual({ code: 0, output: `${version}\n` });
  });
});
