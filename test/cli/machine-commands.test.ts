import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/processes.js';

describe('clawflow setup and skills check, as commands', () => {
  const home = mkdtempSync(join(tmpdir(), 'clawflow-machine-commands-'));
  const env = { CLAWFLOW_HOME: home, TEMPORAL_ADDRESS: '127.0.0.1:1' };
  afterAll(() => rmSync(home, { recursive: true, force: true }));

  it("setup finds the Temporal CLI and the Web UI's files this machine has, and says where (JSON for scripts)", async () => {
    const { code, output } = await runCli(['setup', '--json'], env);
    expect(code, output).toBe(0);
    const answer = JSON.parse(output.slice(output.indexOf('{'))) as { cli: { kind: string; path?: string }; webUi: { dir: string; source: string } };
    expect(answer.cli.kind).toBe('binary');
    expect(answer.cli.path).toMatch(/temporal$/);
    expect(answer.webUi.dir).toBeTruthy();
    const plain = await runCli(['setup'], env);
    expect(plain.code, plain.output).toBe(0);
    expect(plain.output).toContain(`Temporal CLI: ${answer.cli.path}`);
    expect(plain.output).toContain(`Temporal Web UI: ${answer.webUi.dir}`);
  });

  it('skills check: nothing missing with the bundled skills; then names what a skill lacks and a file it could not read, and exits 1', async () => {
    const ready = await runCli(['skills', 'check'], env);
    expect(ready.code, ready.output).toBe(0);
    expect(ready.output).toMatch(/^(\d+) of \1 skills ready: nothing is missing\.\n$/);

    const own = join(home, 'skills');
    mkdirSync(join(own, 'needs-things'), { recursive: true });
    writeFileSync(
      join(own, 'needs-things', 'SKILL.md'),
      `---\nname: needs-things\ndescription: Uses a program and a key this machine does not have.\nmetadata: {"openclaw": {"requires": {"bins": ["no-such-program-4711"], "env": ["NO_SUCH_KEY_4711"]}}}\n---\n\nBody.\n`,
    );
    mkdirSync(join(own, 'broken'), { recursive: true });
    writeFileSync(join(own, 'broken', 'SKILL.md'), 'no front matter here\n');
    const missing = await runCli(['skills', 'check'], env);
    expect(missing.code, missing.output).toBe(1);
    expect(missing.output).toMatch(/^needs-things \(\w+\): needs the program "no-such-program-4711" on PATH; .*NO_SUCH_KEY_4711/m);
    expect(missing.output).toMatch(/broken\/SKILL\.md: .+/);
    expect(missing.output).toMatch(/^(\d+) of (\d+) skills ready\.\n/m);
  });
});
