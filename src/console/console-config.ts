import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import JSON5 from 'json5';
import { stringify } from 'yaml';
import { starterConfigText } from '../config/config-file-text.js';
import { envBindings } from '../config/env.js';
import { configFromText, redactedConfig, replaceConfigFile, type ClawflowConfig } from '../config/load.js';
import { secretValues } from '../config/secrets.js';
import type { ConsoleConfig, ConsoleConfigSave } from '../contracts/console-feed.js';
import { createRedactor } from '../redaction.js';

/** Settings whose value is a secret wherever they appear (an MCP server's GITHUB_TOKEN, a header's Authorization). */
const secretName = /(key|keys|token|secret|password|authorization|credentials?)$/i;
/** Names that end like a secret's but are not one. */
const notSecret = /^(heartbeatSilentToken|apiKeySecretJsonKey|.*sessionKey)$/i;
const hidden = '(set, hidden)';
const placeholder = /\(hidden secret (\d+)\)/g;

/** A configuration change the console would not save, and why: said to the owner (a 409). */
export class ConfigSaveRefused extends Error {
  override name = 'ConfigSaveRefused';
}

/** Token shapes alone (a key in a URL, a Bearer header): what the log's redactor recognises without knowing the value. */
const shapedLikeToken = createRedactor([]);

/** Strings in a parsed configuration that sit under a secret's name, or hold something shaped like a token. */
function namedSecrets(value: unknown, name = ''): string[] {
  if (typeof value === 'string') return value && ((secretName.test(name) && !notSecret.test(name)) || shapedLikeToken(value) !== value) ? [value] : [];
  if (Array.isArray(value)) return value.flatMap((item) => namedSecrets(item, name));
  if (value && typeof value === 'object') return Object.entries(value).flatMap(([key, item]) => namedSecrets(item, key));
  return [];
}

/** A copy with every secret hidden: strings that are one, and strings under a secret's name. */
function hideSecrets(value: unknown, secrets: ReadonlySet<string>, name = ''): unknown {
  if (typeof value === 'string') return secrets.has(value) || (secretName.test(name) && !notSecret.test(name) && value) ? hidden : value;
  if (Array.isArray(value)) return value.map((item) => hideSecrets(item, secrets, name));
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, hideSecrets(item, secrets, key)]));
  return value;
}

/** The settings (dotted paths) whose values differ between two configurations; a list is one setting. */
export function changedSettings(before: unknown, after: unknown, path = ''): string[] {
  const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
  if (isObject(before) && isObject(after)) {
    const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])];
    return keys.flatMap((key) => changedSettings(before[key], after[key], path ? `${path}.${key}` : key));
  }
  return JSON.stringify(before) === JSON.stringify(after) ? [] : [path || '(all)'];
}

/** A text's settings, or nothing when it is not JSON5 (then every setting it has counts as changed). */
function parsedOrNothing(text: string): unknown {
  try {
    return JSON5.parse(text);
  } catch {
    return null;
  }
}

const versionOf = (text: string): string => createHash('sha256').update(text).digest('hex').slice(0, 16);

/** The quoted forms a value can take in a JSON5 text: as written, and JSON-escaped. */
const quotedForms = (value: string): string[] => [...new Set([value, JSON.stringify(value).slice(1, -1)])];

/**
 * The configuration file the console shows and saves. `running`: the configuration the stack started with (what is
 * in effect). Secrets never reach the page: each secret value in the file's text is replaced by a numbered
 * placeholder, put back when the page saves.
 */
export class ConsoleConfigFile {
  #runningSecrets: string[] | null = null;

  constructor(
    private readonly running: ClawflowConfig,
    private readonly env: NodeJS.ProcessEnv = process.env,
  ) {}

  private get file(): string {
    return this.running.paths.configFile;
  }

  /** The file's text; the starter's while there is no file yet (a save writes it). */
  private read(): string {
    return existsSync(this.file) ? readFileSync(this.file, 'utf8') : starterConfigText;
  }

  /** Every secret the text may hold: the running stack's, the file's own, and those under a secret's name. */
  private secretsOf(text: string, current: ClawflowConfig | null): string[] {
    let raw: unknown = null;
    try {
      raw = JSON5.parse(text);
    } catch {
      // A file that is not JSON5: hidden by the values the stack knows.
    }
    this.#runningSecrets ??= secretValues(this.running);
    const values = [...this.#runningSecrets, ...(current ? secretValues(current) : []), ...namedSecrets(raw)];
    // Longest first: a secret that contains another is hidden whole.
    return [...new Set(values)].sort((a, b) => b.length - a.length);
  }

  /** The text with each quoted secret replaced by `(hidden secret N)`, and the literal each N stands for. */
  private masked(text: string, secrets: readonly string[]): { text: string; literals: string[] } {
    const literals: string[] = [];
    let out = text;
    for (const secret of secrets) {
      for (const form of quotedForms(secret)) {
        for (const quote of ['"', "'"]) {
          const literal = `${quote}${form}${quote}`;
          if (!out.includes(literal)) continue;
          literals.push(form);
          out = out.split(literal).join(`${quote}(hidden secret ${literals.length})${quote}`);
        }
      }
    }
    return { text: out, literals };
  }

  view(): ConsoleConfig {
    const text = this.read();
    let current: ClawflowConfig | null = null;
    let problem: string | null = null;
    try {
      current = configFromText(text, this.env);
    } catch (error) {
      problem = (error as Error).message;
    }
    const secrets = this.secretsOf(text, current);
    const shown = (config: ClawflowConfig): unknown => hideSecrets(redactedConfig(config), new Set(secrets));
    return {
      file: this.file,
      text: this.masked(text, secrets).text,
      base: versionOf(text),
      problem,
      effective: current ? stringify(shown(current)) : null,
      fromEnvironment: envBindings.filter((b) => this.env[b.env]).map((b) => ({ path: b.path.join('.'), env: b.env })),
      notInEffect: current ? changedSettings(shown(this.running), shown(current)).filter((path) => !path.startsWith('paths.')) : [],
    };
  }

  /** Saves the page's text: its secrets put back, checked as ClawFlow checks the file at start, the old file kept. */
  async save({ text: edited, base }: ConsoleConfigSave): Promise<string> {
    const before = this.read();
    if (versionOf(before) !== base)
      throw new ConfigSaveRefused('the file changed since the page read it (someone else edited it): nothing was saved; the page now shows it as it is');
    let previous: ClawflowConfig | null = null;
    try {
      previous = configFromText(before, this.env);
    } catch {
      // The file did not load before this edit: hidden by the values the stack knows.
    }
    const { literals } = this.masked(before, this.secretsOf(before, previous));
    const unknown = [...edited.matchAll(placeholder)].find((match) => !literals[Number(match[1]) - 1]);
    if (unknown) throw new ConfigSaveRefused(`"${unknown[0]}" stands for no secret of the file: write the value itself, or keep a placeholder the page showed`);
    const text = edited.replace(placeholder, (_, n: string) => literals[Number(n) - 1]!);
    // Checked as a start would check it, with the same messages: a text that fails is not written.
    configFromText(text, this.env);
    const saved = await replaceConfigFile(this.file, text);
    const kept = saved.backup ? ` (the old file kept as ${saved.backup})` : '';
    // What the owner changed in the file (names only: no value is said).
    const changed = changedSettings(parsedOrNothing(before), parsedOrNothing(text));
    if (!changed.length) return `Saved ${saved.file}${kept}: no setting changed`;
    const overridden = envBindings
      .filter((b) => this.env[b.env] && changed.some((path) => path === b.path.join('.') || path.startsWith(`${b.path.join('.')}.`)))
      .map((b) => `${b.path.join('.')} (${b.env})`);
    const listed = changed.length > 8 ? `${changed.slice(0, 8).join(', ')} and ${changed.length - 8} more` : changed.join(', ');
    return (
      `Saved ${saved.file}${kept}. Changed: ${listed}. ClawFlow reads the file when it starts: restart it (clawflow stop, then clawflow start) for the change to take effect` +
      (overridden.length ? `; the environment still sets ${overridden.join(', ')}, which wins over the file` : '')
    );
  }
}
