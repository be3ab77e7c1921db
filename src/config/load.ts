import { chmodSync, existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import JSON5 from 'json5';
import { agentsProblems } from './agents.js';
import type { z } from 'zod';
import { envBindings, otherEnvVariables, secretPaths, type EnvBinding } from './env.js';
import { TemporalProfileError, withTemporalProfile } from './temporal-profile.js';
import { withOtelEnvironment } from './otel-env.js';
import { closestName, keysAt } from './suggest.js';
import { statePaths, type StatePaths } from './paths.js';
import { configFileSchema, type ConfigFile } from './schema.js';
import { writeFileAtomic } from '../fs/atomic-write.js';
import { editConfigText, starterConfigText, type RawObject } from './config-file-text.js';

export interface ClawflowConfig extends ConfigFile {
  paths: StatePaths & {
    /** The agent's workspace (workspace.dir, or <home>/workspace). */
    workspaceDir: string;
  };
}

/** A configuration problem a person has to fix; the message names the key and where it came from. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

function readConfigFile(file: string): RawObject {
  return existsSync(file) ? parseConfigText(readFileSync(file, 'utf8'), file) : {};
}

/** A configuration file's text as an object (JSON5); `file` names it in the message when it is not one. */
function parseConfigText(text: string, file: string): RawObject {
  let parsed: unknown;
  try {
    parsed = JSON5.parse(text);
  } catch (error) {
    throw new ConfigError(`${file} is not valid JSON5: ${(error as Error).message}`);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new ConfigError(`${file} must contain one JSON object`);
  }
  return parsed as RawObject;
}

/**
 * Changes the configuration file (onboard, a CLI command that adds an agent): the change is checked as a whole
 * configuration before it is written, into the file's own text so its comments and layout stay (a new file starts
 * from the commented starter), atomically (0600), and the old file is kept beside it as `clawflow.json.bak`.
 */
export async function updateConfigFile(
  env: NodeJS.ProcessEnv,
  change: (raw: RawObject) => void,
): Promise<{ file: string; backup: string | null; commentsKept: boolean }> {
  const { file: configFile, raw } = changedConfigFile(env, change);
  const existing = existsSync(configFile) ? readFileSync(configFile, 'utf8') : null;
  const { text, commentsKept } = editConfigText(existing ?? starterConfigText, raw);
  return { ...(await replaceConfigFile(configFile, text)), commentsKept };
}

/** Writes the configuration file's new text atomically (0600), the old file kept beside it as `clawflow.json.bak`. */
export async function replaceConfigFile(file: string, text: string): Promise<{ file: string; backup: string | null }> {
  const existing = existsSync(file) ? readFileSync(file, 'utf8') : null;
  const backup = existing === null ? null : `${file}.bak`;
  if (backup) await writeFileAtomic(backup, existing!, 0o600);
  await writeFileAtomic(file, text, 0o600);
  return { file, backup };
}

/** The configuration file with `change` applied, checked as a whole configuration (environment aside); nothing is written. */
export function changedConfigFile(env: NodeJS.ProcessEnv, change: (raw: RawObject) => void): { file: string; raw: RawObject; parsed: ConfigFile } {
  const { configFile } = statePaths(env);
  // No file yet: the change goes into the starter, which updateConfigFile writes with it.
  const raw = existsSync(configFile) ? readConfigFile(configFile) : (JSON5.parse(starterConfigText) as RawObject);
  change(raw);
  const checked = configFileSchema.safeParse(raw);
  if (!checked.success)
    throw new ConfigError(`the change would make the configuration invalid:\n${describeIssues(checked.error.issues, configFile, new Map())}`);
  const problems = agentsProblems(checked.data);
  if (problems.length) throw new ConfigError(`the change would make the configuration invalid:\n${problems.map((p) => `- ${p}`).join('\n')}`);
  return { file: configFile, raw, parsed: checked.data };
}

/** An environment value as its key wants it; one that does not fit is left as text, for the schema to name. */
function fromEnv({ kind, env }: EnvBinding, value: string): unknown {
  if (kind === 'json') {
    try {
      return JSON.parse(value) as unknown;
    } catch (error) {
      throw new ConfigError(`Invalid configuration:\n- ${env} is not JSON: ${(error as Error).message}`);
    }
  }
  if (kind === 'list')
    return value
      .split(',')
      .map((item) => item.trim())
      .filter(Boolean);
  if (kind === 'number' && /^\s*-?\d+(\.\d+)?\s*$/.test(value)) return Number(value);
  if (kind === 'boolean' && /^\s*(true|1|yes|on)\s*$/i.test(value)) return true;
  if (kind === 'boolean' && /^\s*(false|0|no|off)\s*$/i.test(value)) return false;
  return value;
}

function applyEnv(raw: RawObject, env: NodeJS.ProcessEnv, origins: Map<string, string>): RawObject {
  const merged: RawObject = structuredClone(raw);
  for (const binding of envBindings) {
    const value = env[binding.env];
    if (value === undefined || value === '') continue;
    let holder = merged;
    for (const part of binding.path.slice(0, -1)) {
      const next = holder[part];
      holder = holder[part] = next !== null && typeof next === 'object' && !Array.isArray(next) ? (next as RawObject) : {};
    }
    holder[binding.path.at(-1)!] = fromEnv(binding, value);
    origins.set(binding.path.join('.'), binding.env);
  }
  return merged;
}

function describeIssues(issues: z.core.$ZodIssue[], file: string, origins: Map<string, string>): string {
  return issues
    .map((issue) => {
      const path = issue.path.join('.');
      if (issue.code === 'unrecognized_keys') {
        const known = keysAt(configFileSchema, issue.path);
        return issue.keys
          .map((key) => {
            const meant = closestName(key, known);
            return `unknown key "${path ? `${path}.${key}` : key}" in ${file}${meant ? ` — did you mean "${path ? `${path}.${meant}` : meant}"?` : ''}`;
          })
          .join('\n');
      }
      const origin = origins.get(path) ?? file;
      return `${path || '(root)'}: ${issue.message} (from ${origin})`;
    })
    .join('\n');
}

/** Reads the config file under the state dir, applies environment overrides, and validates the result. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): ClawflowConfig {
  const paths = statePaths(env);
  return configFrom(readConfigFile(paths.configFile), paths, env);
}

/**
 * The configuration `text` would make as the configuration file, with the environment's overrides: checked exactly as
 * `loadConfig` checks the file, with the same messages. Nothing is written.
 */
export function configFromText(text: string, env: NodeJS.ProcessEnv = process.env): ClawflowConfig {
  const paths = statePaths(env);
  return configFrom(parseConfigText(text, paths.configFile), paths, env);
}

function configFrom(file: RawObject, paths: StatePaths, env: NodeJS.ProcessEnv): ClawflowConfig {
  const origins = new Map<string, string>();
  let raw: RawObject;
  try {
    raw = withOtelEnvironment(withTemporalProfile(applyEnv(file, env, origins), origins, env), env, origins);
  } catch (error) {
    if (error instanceof TemporalProfileError) throw new ConfigError(`Invalid configuration:\n- ${error.message}`);
    throw error;
  }
  const result = configFileSchema.safeParse(raw);
  if (!result.success) {
    throw new ConfigError(`Invalid configuration:\n${describeIssues(result.error.issues, paths.configFile, origins)}`);
  }
  const agentIssues = agentsProblems(result.data);
  if (agentIssues.length) throw new ConfigError(`Invalid configuration:\n${agentIssues.map((issue) => `- ${issue} (${paths.configFile})`).join('\n')}`);
  const dir = result.data.workspace.dir;
  const workspaceDir = dir ? resolve(dir.startsWith('~/') ? join(homedir(), dir.slice(2)) : dir) : join(paths.home, 'workspace');
  return { ...result.data, paths: { ...paths, workspaceDir } };
}

/**
 * Creates the state dir (0700) and a commented starter config file (0600) if they do not exist yet, and closes up
 * what another tool or an older ClawFlow left readable to other users: directories 0700, files 0600 (the workspace
 * inside it is the user's own and left as it is). Returns the paths it repaired, for a warning.
 */
export function ensureStateDir(config: ClawflowConfig): string[] {
  mkdirSync(config.paths.home, { recursive: true, mode: 0o700 });
  mkdirSync(dirname(config.paths.temporalDb), { recursive: true, mode: 0o700 });
  if (!existsSync(config.paths.configFile)) writeFileSync(config.paths.configFile, starterConfigText, { flag: 'wx', mode: 0o600 });
  return closeUp(config.paths.home, new Set([resolve(config.paths.workspaceDir)]));
}

/** `CLAWFLOW_*` variables set in the environment that nothing reads, each with the variable it probably meant. */
export function unknownEnvVariables(env: NodeJS.ProcessEnv): Array<{ name: string; meant?: string }> {
  const known = new Set([...envBindings.map((b) => b.env), ...otherEnvVariables]);
  return Object.keys(env)
    .filter((name) => name.startsWith('CLAWFLOW_') && !known.has(name))
    .sort()
    .map((name) => {
      const meant = closestName(name, known);
      return meant ? { name, meant } : { name };
    });
}

/** Warns about `CLAWFLOW_*` variables that nothing reads (a misspelt one is otherwise silently ignored). */
export function warnUnknownEnv(env: NodeJS.ProcessEnv, logger: { warn(message: string): void }): void {
  for (const { name, meant } of unknownEnvVariables(env)) {
    logger.warn(`${name} is set but ClawFlow reads no such variable${meant ? ` — did you mean ${meant}?` : ''}`);
  }
}

/** Says so when the state dir had to be closed up. */
export function warnIfRepaired(repaired: readonly string[], logger: { warn(message: string): void }): void {
  if (repaired.length === 0) return;
  const count = repaired.length === 1 ? repaired[0] : `${repaired.length} paths, ${repaired[0]} first`;
  logger.warn(`the state dir was readable by other users: made its directories 0700 and its files 0600 (${count})`);
}

function closeUp(path: string, skip: ReadonlySet<string>): string[] {
  if (skip.has(resolve(path))) return [];
  const info = lstatSync(path, { throwIfNoEntry: false });
  if (!info || info.isSymbolicLink()) return [];
  const repaired: string[] = [];
  if ((info.mode & 0o077) !== 0) {
    // The owner's own bits stay (a script keeps its x); nobody else's.
    chmodSync(path, (info.mode & 0o700) | (info.isDirectory() ? 0o700 : 0o600));
    repaired.push(path);
  }
  if (info.isDirectory()) for (const entry of readdirSync(path)) repaired.push(...closeUp(join(path, entry), skip));
  return repaired;
}

/** The configuration as it may be shown to a person: secrets replaced. */
export function redactedConfig(config: ClawflowConfig): Record<string, unknown> {
  const copy = structuredClone(config) as unknown as RawObject;
  for (const path of secretPaths) {
    const parts = path.split('.');
    let holder: RawObject | undefined = copy;
    for (const part of parts.slice(0, -1)) holder = holder?.[part] as RawObject | undefined;
    if (holder && holder[parts.at(-1)!] !== undefined) holder[parts.at(-1)!] = '(set, hidden)';
  }
  const agentFallbacks = (((copy.agents as RawObject).list ?? []) as RawObject[]).flatMap((agent) => (agent.fallbacks ?? []) as RawObject[]);
  for (const fallback of [...(((copy.model as RawObject).fallbacks ?? []) as RawObject[]), ...agentFallbacks]) {
    if (fallback.apiKey !== undefined) fallback.apiKey = '(set, hidden)';
    if (Array.isArray(fallback.apiKeys) && fallback.apiKeys.length) fallback.apiKeys = '(set, hidden)';
  }
  return copy;
}
