import { constants } from 'node:fs';
import { access, readdir, readFile, stat } from 'node:fs/promises';
import { delimiter, isAbsolute, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import type { ClawflowConfig } from '../config/load.js';
import { commandEnvironment } from './command-environment.js';

/** Where skills come from, highest precedence first (OpenClaw's order): a skill of the same name in a later place is shadowed. */
export type SkillOrigin = 'workspace' | 'managed' | 'bundled' | 'extra';

export interface SkillRoot {
  dir: string;
  origin: SkillOrigin;
}

/** The skills ClawFlow ships, in the package's `skills/` folder. */
export const bundledSkillsDir = fileURLToPath(new URL('../../skills', import.meta.url));

/** A skill as ClawFlow found it: what the model is told, and whether it can be used here. */
export interface Skill {
  name: string;
  description: string;
  /** The SKILL.md file (absolute). */
  file: string;
  origin: SkillOrigin;
  emoji?: string;
  /** Why it cannot be used here (a missing binary, variable or setting; another OS; turned off): empty when it can. */
  missing: string[];
  /** `disable-model-invocation`: usable, but not listed to the model. */
  hiddenFromModel: boolean;
}

/** A folder that looked like a skill and could not be read as one, or one shadowed by a skill of the same name. */
export interface SkippedSkill {
  file: string;
  origin: SkillOrigin;
  reason: string;
}

/** Per-skill settings (OpenClaw's skills.entries.<name>). */
export interface SkillEntry {
  enabled?: boolean;
}

export interface SkillChecks {
  /** The environment the agent's commands get (exec): a skill's programs and variables must be there. */
  env: Readonly<Record<string, string | undefined>>;
  entries: Readonly<Record<string, SkillEntry>>;
  platform: NodeJS.Platform;
  /** Whether a dotted ClawFlow configuration path is set (a skill's `requires.config`). */
  configSet(path: string): boolean;
}

const list = z.array(z.string().min(1)).default([]);
/** The `openclaw` block of a skill's metadata (also accepted under its older name `clawdbot`, or as `clawflow`). */
const gateSchema = z
  .object({
    requires: z.object({ bins: list, anyBins: list, env: list, config: list }).partial().loose().default({}),
    os: z.array(z.string()).optional(),
    emoji: z.string().optional(),
  })
  .loose();
const frontmatterSchema = z
  .object({
    name: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,63}$/, 'must be lowercase letters, digits, "-" or "_" (at most 64)'),
    description: z.string().trim().min(1, 'must not be empty').max(1024),
    'disable-model-invocation': z.boolean().default(false),
    metadata: z.record(z.string(), z.unknown()).optional(),
  })
  .loose();

/** The YAML between the `---` lines at the top of a SKILL.md. */
function frontmatterOf(text: string): unknown {
  const match = /^\uFEFF?---\r?\n([\s\S]*?)\r?\n---(?:\r?\n|$)/.exec(text);
  if (!match) throw new Error('it has no YAML frontmatter (--- name, description ---)');
  return parseYaml(match[1]!);
}

async function onPath(bin: string, env: SkillChecks['env']): Promise<boolean> {
  for (const dir of (env.PATH ?? '').split(delimiter).filter(Boolean)) {
    try {
      await access(join(dir, bin), constants.X_OK);
      return true;
    } catch {
      // not in this one
    }
  }
  return false;
}

/** What a skill needs that this host lacks, in words. */
async function missingFor(name: string, gate: z.infer<typeof gateSchema> | null, checks: SkillChecks): Promise<string[]> {
  const entry = checks.entries[name];
  if (entry?.enabled === false) return [`turned off (skills.entries.${name}.enabled)`];
  if (!gate) return [];
  const missing: string[] = [];
  if (gate.os?.length && !gate.os.includes(checks.platform)) missing.push(`runs on ${gate.os.join(', ')}, not ${checks.platform}`);
  const { bins = [], anyBins = [], env = [], config = [] } = gate.requires;
  for (const bin of bins) if (!(await onPath(bin, checks.env))) missing.push(`needs the program "${bin}" on PATH`);
  if (anyBins.length && !(await Promise.all(anyBins.map((b) => onPath(b, checks.env)))).some(Boolean))
    missing.push(`needs one of the programs ${anyBins.join(', ')} on PATH`);
  for (const variable of env)
    if (!checks.env[variable]) missing.push(`needs the environment variable ${variable} in the agent's commands (set it, and name it in tools.exec.env)`);
  for (const path of config) if (!checks.configSet(path)) missing.push(`needs the setting ${path}`);
  return missing;
}

/** One skill folder's SKILL.md, read and checked. */
async function readSkill(file: string, origin: SkillOrigin, checks: SkillChecks): Promise<Skill> {
  const parsed = frontmatterSchema.safeParse(frontmatterOf(await readFile(file, 'utf8')));
  if (!parsed.success) throw new Error(parsed.error.issues.map((i) => `${i.path.join('.') || 'frontmatter'} ${i.message}`).join('; '));
  const { name, description, metadata } = parsed.data;
  const rawGate = metadata?.openclaw ?? metadata?.clawdbot ?? metadata?.clawflow;
  const gate = rawGate === undefined ? null : gateSchema.safeParse(rawGate);
  if (gate && !gate.success)
    throw new Error(`metadata.openclaw is not what OpenClaw writes: ${gate.error.issues.map((i) => `${i.path.join('.')} ${i.message}`).join('; ')}`);
  const data = gate?.data ?? null;
  return {
    name,
    description,
    file,
    origin,
    ...(data?.emoji ? { emoji: data.emoji } : {}),
    missing: await missingFor(name, data, checks),
    hiddenFromModel: parsed.data['disable-model-invocation'],
  };
}

/**
 * Every skill in the roots, in OpenClaw's format (`<root>/<name>/SKILL.md`: YAML frontmatter with `name` and
 * `description`, optional `metadata.openclaw.requires`, a markdown body). A name found twice keeps the first root's.
 */
export async function loadSkills(roots: readonly SkillRoot[], checks: SkillChecks): Promise<{ skills: Skill[]; skipped: SkippedSkill[] }> {
  const skills = new Map<string, Skill>();
  const skipped: SkippedSkill[] = [];
  for (const root of roots) {
    const entries = await readdir(root.dir, { withFileTypes: true }).catch(() => []);
    for (const entry of entries.sort((a, b) => a.name.localeCompare(b.name))) {
      if (!entry.isDirectory() && !entry.isSymbolicLink()) continue;
      const file = join(root.dir, entry.name, 'SKILL.md');
      if (!(await stat(file).catch(() => null))?.isFile()) continue;
      try {
        const skill = await readSkill(file, root.origin, checks);
        const earlier = skills.get(skill.name);
        if (earlier) skipped.push({ file, origin: root.origin, reason: `shadowed by the ${earlier.origin} skill of the same name (${earlier.file})` });
        else skills.set(skill.name, skill);
      } catch (error) {
        skipped.push({ file, origin: root.origin, reason: (error as Error).message });
      }
    }
  }
  return { skills: [...skills.values()], skipped };
}

const escapeXml = (text: string): string => text.replace(/[&<>]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;' })[c]!);

/** Where the model finds a skill: relative to the workspace when it is inside, else the absolute path (read takes it). */
export function skillLocation(skill: Pick<Skill, 'file'>, workspace: string): string {
  const inside = relative(workspace, skill.file);
  return !inside.startsWith('..') && !isAbsolute(inside) ? inside : skill.file;
}

/**
 * The skills section of the system prompt (OpenClaw's): each usable skill's name, description and location only —
 * the model reads a SKILL.md when it needs it, so bodies never weigh on every request. Within `maxChars`.
 */
export function skillsPrompt(skills: readonly Skill[], workspace: string, maxChars: number): string {
  const usable = skills.filter((s) => !s.missing.length && !s.hiddenFromModel);
  if (!usable.length) return '';
  const head =
    '## Skills\n\nWhen a skill below fits the request, first read its SKILL.md at its location (with read) and follow it; {baseDir} in a skill is its folder. Read only those that apply.\n\n<available_skills>\n';
  const tail = '</available_skills>';
  let text = head;
  let left = 0;
  for (const [index, skill] of usable.entries()) {
    const line = `<skill><name>${escapeXml(skill.name)}</name><description>${escapeXml(skill.description)}</description><location>${escapeXml(skillLocation(skill, workspace))}</location></skill>\n`;
    if (text.length + line.length + tail.length + 80 > maxChars) {
      left = usable.length - index;
      break;
    }
    text += line;
  }
  return `${text}${tail}${left ? `\n(${left} more skills not listed: skills.maxPromptChars)` : ''}`;
}

/** The places skills are looked for, highest precedence first: the workspace, the install's own, the bundled, extra. */
export function skillRoots(options: { workspace: string; home: string; bundled: boolean; extraDirs: readonly string[] }): SkillRoot[] {
  return [
    { dir: join(options.workspace, 'skills'), origin: 'workspace' },
    { dir: join(options.workspace, '.agents', 'skills'), origin: 'workspace' },
    { dir: join(options.home, 'skills'), origin: 'managed' },
    ...(options.bundled ? [{ dir: bundledSkillsDir, origin: 'bundled' as const }] : []),
    ...options.extraDirs.map((dir) => ({ dir, origin: 'extra' as const })),
  ];
}

/** An agent's skills (its workspace's, and the shared ones), checked against the environment the agent's commands get (exec). */
export function installSkills(
  config: Pick<ClawflowConfig, 'paths' | 'skills' | 'tools'>,
  workspace = config.paths.workspaceDir,
  hostEnv: NodeJS.ProcessEnv = process.env,
): Promise<{ skills: Skill[]; skipped: SkippedSkill[] }> {
  const roots = skillRoots({ workspace, home: config.paths.home, bundled: config.skills.bundled, extraDirs: config.skills.extraDirs });
  return loadSkills(roots, {
    env: commandEnvironment(hostEnv, config.tools.exec.env),
    entries: config.skills.entries,
    platform: process.platform,
    configSet: (path) => Boolean(path.split('.').reduce<unknown>((holder, key) => (holder as Record<string, unknown> | undefined)?.[key], config)),
  });
}
