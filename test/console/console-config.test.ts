import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { changedSettings, ConsoleConfigFile } from '../../src/console/console-config.js';

const fileText = `// My ClawFlow (the old key was sk-live-0123456789abcdef)
{
  model: { apiKey: 'sk-live-0123456789abcdef', name: 'gpt-test' },
  tools: {
    mcp: {
      servers: {
        github: { command: 'npx', env: { GITHUB_TOKEN: "ghp_secretvalue_987654321" } },
        search: { url: 'https://mcp.example/sse', headers: { 'X-Relay': 'Bearer relaytoken12345678' } },
        files: { command: 'npx', args: ['--api-key=ghp_secretvalue_987654321'] },
      },
    },
  },
}
`;

describe('the configuration as the console shows and saves it', () => {
  const homes: string[] = [];
  afterEach(() => {
    for (const home of homes.splice(0)) rmSync(home, { recursive: true, force: true });
  });
  const setUp = (text = fileText) => {
    const home = mkdtempSync(join(tmpdir(), 'clawflow-console-config-'));
    homes.push(home);
    const file = join(home, 'clawflow.json');
    writeFileSync(file, text);
    const env = { CLAWFLOW_HOME: home };
    return { file, env, configFile: new ConsoleConfigFile(loadConfig(env), env) };
  };

  it('hides every secret of the file, comments and layout kept, and puts each back when saved', async () => {
    const { file, configFile } = setUp();
    const view = configFile.view();
    expect(view.text).not.toMatch(/sk-live|ghp_secret|relaytoken/);
    expect(view.text).toContain("apiKey: '(hidden secret");
    expect(view.text).toContain('GITHUB_TOKEN: "(hidden secret');
    expect(view.text).toMatch(/^\/\/ My ClawFlow \(the old key was \(hidden secret \d+\)\)/);
    expect(view.text).toContain("'--api-key=(hidden secret");
    expect(view.effective).not.toMatch(/sk-live|ghp_secret|relaytoken/);
    expect(view.problem).toBeNull();
    expect(view.notInEffect).toEqual([]);

    const message = await configFile.save({ text: view.text.replace("'gpt-test'", "'gpt-other'"), base: view.base });
    expect(message).toMatch(/Changed: model\.name\. ClawFlow reads the file when it starts/);
    const saved = readFileSync(file, 'utf8');
    expect(saved).toBe(fileText.replace("'gpt-test'", "'gpt-other'"));
    expect(readFileSync(`${file}.bak`, 'utf8')).toBe(fileText);
    expect(configFile.view().notInEffect).toEqual(['model.name']);
    // A secret rotated in the file waits for the restart too (by name: no value is said).
    const next = configFile.view();
    await configFile.save({ text: next.text.replace(/apiKey: '\(hidden secret \d+\)'/, "apiKey: 'sk-live-rotated-0000000000'"), base: next.base });
    expect(configFile.view().notInEffect.sort()).toEqual(['model.apiKey', 'model.name']);
  });

  it('saves nothing when the text fails the checks a start makes, or names a placeholder it never showed', async () => {
    const { file, configFile } = setUp();
    const { text, base } = configFile.view();
    await expect(configFile.save({ text: text.replace("name: 'gpt-test'", "name: 'gpt-test', temperatur: 2"), base })).rejects.toThrow(
      /unknown key "model\.temperatur"/,
    );
    await expect(configFile.save({ text: text.replace('{', '{ oops'), base })).rejects.toThrow(/is not valid JSON5/);
    await expect(configFile.save({ text: text.replace(/\(hidden secret 1\)/, '(hidden secret 9)'), base })).rejects.toThrow(
      /"\(hidden secret 9\)" stands for no secret/,
    );
    expect(readFileSync(file, 'utf8')).toBe(fileText);
    expect(existsSync(`${file}.bak`)).toBe(false);
  });

  it('refuses a save made from a version of the file someone else has changed since', async () => {
    const { file, configFile } = setUp();
    const { text, base } = configFile.view();
    writeFileSync(file, fileText.replace('gpt-test', 'edited-by-hand'));
    await expect(configFile.save({ text, base })).rejects.toThrow(/the file changed since the page read it/);
    expect(readFileSync(file, 'utf8')).toContain('edited-by-hand');
  });

  it('shows a file ClawFlow could not start with, with the reason, its secrets still hidden', () => {
    const { file, configFile } = setUp();
    writeFileSync(file, fileText.replace("name: 'gpt-test'", "name: 'gpt-test', temperatur: 2"));
    const view = configFile.view();
    expect(view.problem).toMatch(/unknown key "model\.temperatur"/);
    expect(view.effective).toBeNull();
    expect(view.text).not.toMatch(/sk-live|ghp_secret/);
    // Broken by hand so that it does not even parse: what sits under a secret's name is still hidden.
    writeFileSync(file, `{ model: { apiKey: 'sk-other-key-only-in-the-file' }, oops }`);
    const broken = configFile.view();
    expect(broken.problem).toMatch(/not valid JSON5/);
    expect(broken.text).not.toContain('sk-other-key');
  });

  it('keeps a secret out of the reason a save is refused', async () => {
    const { configFile } = setUp();
    const { text, base } = configFile.view();
    // A secret put where a number belongs: the message names the setting, not the value.
    await expect(configFile.save({ text: text.replace('{', "{ agent: { maxToolSteps: 'sk-typed-into-the-wrong-place-123456' },"), base })).rejects.toThrow(
      /^(?![\s\S]*sk-typed)[\s\S]*agent\.maxToolSteps/,
    );
  });

  it('saves one edit at a time: a second made from the same version is refused', async () => {
    const { file, configFile } = setUp();
    const { text, base } = configFile.view();
    const results = await Promise.allSettled([
      configFile.save({ text: text.replace("'gpt-test'", "'first'"), base }),
      configFile.save({ text: text.replace("'gpt-test'", "'second'"), base }),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected']);
    expect(readFileSync(file, 'utf8')).toContain("'first'");
  });

  it('names the settings that differ, a list as one setting', () => {
    expect(changedSettings({ a: { b: 1, c: [1, 2] }, d: 'x' }, { a: { b: 2, c: [1, 2, 3] }, d: 'x', e: true })).toEqual(['a.b', 'a.c', 'e']);
    expect(changedSettings({ a: 1 }, { a: 1 })).toEqual([]);
  });
});
