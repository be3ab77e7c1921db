import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readTool } from '../../src/tools/read.js';
import { bundledSkillsDir, loadSkills, skillsPrompt, type SkillChecks } from '../../src/workspace/skills.js';
import { toolContexts } from '../helpers/tool-context.js';

const root = mkdtempSync(join(tmpdir(), 'clawflow-skills-'));
const workspace = join(root, 'workspace');
const managed = join(root, 'home', 'skills');

function skill(dir: string, name: string, text: string): string {
  mkdirSync(join(dir, name), { recursive: true });
  writeFileSync(join(dir, name, 'SKILL.md'), text);
  return join(dir, name, 'SKILL.md');
}

// As OpenClaw's skills are written (its github skill's shape): YAML frontmatter, metadata.openclaw as inline JSON.
skill(
  join(workspace, 'skills'),
  'github',
  `---
name: github
description: "Interact with GitHub using the \`gh\` CLI: issues, PRs, CI runs."
metadata: {"openclaw": {"emoji": "🐙", "requires": {"bins": ["gh-not-installed-here"]}, "install": [{"id": "brew", "kind": "brew", "formula": "gh"}]}}
---

# GitHub Skill
Use \`gh issue list\`.
`,
);
skill(
  join(workspace, 'skills'),
  'shell-notes',
  `---
name: shell-notes
description: Keep notes <with> & symbols using sh.
metadata:
  openclaw:
    requires:
      bins: [sh]
      env: [NOTES_TOKEN]
---
Body: run {baseDir}/notes.sh
`,
);
skill(
  join(workspace, 'skills'),
  'weather',
  `---
name: weather
description: Tell the weather from the workspace's weather.txt.
---
Read weather.txt and answer in one line.
`,
);
skill(join(workspace, 'skills'), 'broken', 'no frontmatter here');
skill(managed, 'weather', '---\nname: weather\ndescription: an older weather skill\n---\nold\n');
skill(managed, 'private', '---\nname: private\ndescription: only by hand\ndisable-model-invocation: true\n---\nx\n');
skill(managed, 'off', '---\nname: off\ndescription: turned off\n---\nx\n');

const roots = [
  { dir: join(workspace, 'skills'), origin: 'workspace' as const },
  { dir: managed, origin: 'managed' as const },
  { dir: bundledSkillsDir, origin: 'bundled' as const },
];
const checks = (env: Record<string, string> = {}): SkillChecks => ({
  env: { PATH: process.env.PATH, ...env },
  entries: { off: { enabled: false } },
  platform: 'linux',
  configSet: () => false,
});

describe("skills in OpenClaw's format", () => {
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('finds workspace, managed and bundled skills; the workspace wins a name; what is missing is said, not guessed', async () => {
    const { skills, skipped } = await loadSkills(roots, checks());
    const byName = Object.fromEntries(skills.map((s) => [s.name, s]));
    expect(Object.keys(byName).sort()).toEqual(['daily-notes', 'github', 'off', 'private', 'reminders', 'shell-notes', 'weather', 'web-research']);
    expect(byName.weather).toMatchObject({ origin: 'workspace', description: "Tell the weather from the workspace's weather.txt.", missing: [] });
    expect(byName.github).toMatchObject({ emoji: '🐙', missing: ['needs the program "gh-not-installed-here" on PATH'] });
    expect(byName['shell-notes']!.missing).toEqual([
      "needs the environment variable NOTES_TOKEN in the agent's commands (set it, and name it in tools.exec.env)",
    ]);
    expect(byName.off!.missing).toEqual(['turned off (skills.entries.off.enabled)']);
    expect(byName.private).toMatchObject({ hiddenFromModel: true, missing: [] });
    for (const bundled of ['reminders', 'web-research', 'daily-notes']) expect(byName[bundled]).toMatchObject({ origin: 'bundled', missing: [] });
    expect(skipped.map((s) => [s.file.slice(root.length), s.reason])).toEqual([
      ['/workspace/skills/broken/SKILL.md', 'it has no YAML frontmatter (--- name, description ---)'],
      ['/home/skills/weather/SKILL.md', `shadowed by the workspace skill of the same name (${join(workspace, 'skills', 'weather', 'SKILL.md')})`],
    ]);
    // With the variable in the commands' environment, the skill is ready.
    const withToken = await loadSkills(roots, checks({ NOTES_TOKEN: 't' }));
    expect(withToken.skills.find((s) => s.name === 'shell-notes')!.missing).toEqual([]);
  });

  it('lists only usable skills to the model: name, description and location, escaped, within the budget', async () => {
    const { skills } = await loadSkills(roots, checks());
    const prompt = skillsPrompt(skills, workspace, 20_000);
    expect(prompt).toContain(
      "<skill><name>weather</name><description>Tell the weather from the workspace's weather.txt.</description><location>skills/weather/SKILL.md</location></skill>",
    );
    expect(prompt).toContain(`<location>${join(bundledSkillsDir, 'reminders', 'SKILL.md')}</location>`);
    expect(prompt).not.toMatch(/<name>(github|private|off|shell-notes)</);
    expect(prompt).not.toContain('Read weather.txt and answer');
    const escaped = skillsPrompt((await loadSkills(roots, checks({ NOTES_TOKEN: 't' }))).skills, workspace, 20_000);
    expect(escaped).toContain('Keep notes &lt;with&gt; &amp; symbols using sh.');
    const small = skillsPrompt(skills, workspace, 700);
    expect(small.length).toBeLessThanOrEqual(700);
    expect(small).toMatch(/\(\d+ more skills not listed: skills\.maxPromptChars\)$/);
  });

  it("read takes a skill's file outside the workspace by its absolute path, and nothing else outside", async () => {
    const contexts = toolContexts();
    const context = { ...contexts.make(), skillDirs: [managed, bundledSkillsDir] };
    try {
      const read = (path: string) => readTool.run(readTool.input.parse({ path }), context) as Promise<string>;
      expect(await read(join(bundledSkillsDir, 'reminders', 'SKILL.md'))).toContain('# Reminders');
      expect(await read(join(managed, 'private', 'SKILL.md'))).toContain('only by hand');
      await expect(read(join(root, 'workspace', 'skills', 'weather', 'SKILL.md'))).rejects.toThrow(/outside the workspace/);
      await expect(read(join(managed, '..', '..', 'workspace', 'skills', 'weather', 'SKILL.md'))).rejects.toThrow(/outside the workspace/);
    } finally {
      await contexts.cleanup();
    }
  });
});
