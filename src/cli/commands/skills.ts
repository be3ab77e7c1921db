import type { Command } from 'commander';
import { loadConfig } from '../../config/load.js';
import { printJson, printTable } from '../output.js';

export function registerSkills(program: Command): void {
  const skills = program.command('skills').description("skills: instructions for particular tasks, in OpenClaw's SKILL.md format");
  skills
    .command('list')
    .description('every skill found (workspace skills/, <home>/skills, the bundled ones, skills.extraDirs), and whether it can be used here')
    .option('--json', 'print JSON')
    .action(async (options: { json?: boolean }) => {
      const config = loadConfig();
      const { installSkills, skillLocation } = await import('../../workspace/skills.js');
      const { skills: found, skipped } = await installSkills(config);
      const rows = found.map((s) => ({
        name: s.name,
        state: s.missing.length ? 'unavailable' : s.hiddenFromModel ? 'not listed to the model' : 'ready',
        from: s.origin,
        description: s.description,
        location: skillLocation(s, config.paths.workspaceDir),
        ...(s.missing.length ? { why: s.missing.join('; ') } : {}),
      }));
      if (options.json) return printJson({ skills: rows, skipped });
      printTable(
        rows.map((r) => ({
          name: r.name,
          state: r.state,
          from: r.from,
          description: r.description.length > 70 ? `${r.description.slice(0, 69)}…` : r.description,
        })),
        `No skills. Put one in ${config.paths.workspaceDir}/skills/<name>/SKILL.md (YAML frontmatter with name and description, then instructions).`,
      );
      for (const s of skipped) process.stdout.write(`skipped ${s.file}: ${s.reason}\n`);
    });
  skills
    .command('check')
    .description('what the skills that cannot be used here are missing (programs, environment variables, settings), and skills that could not be read')
    .action(async () => {
      const config = loadConfig();
      const { installSkills } = await import('../../workspace/skills.js');
      const { skills: found, skipped } = await installSkills(config);
      const unavailable = found.filter((s) => s.missing.length);
      for (const s of unavailable) process.stdout.write(`${s.name} (${s.origin}): ${s.missing.join('; ')}\n`);
      for (const s of skipped) process.stdout.write(`${s.file}: ${s.reason}\n`);
      const ready = found.length - unavailable.length;
      process.stdout.write(`${ready} of ${found.length} skills ready${unavailable.length || skipped.length ? '' : ': nothing is missing'}.\n`);
      if (unavailable.length || skipped.some((s) => !s.reason.startsWith('shadowed'))) process.exitCode = 1;
    });
}
