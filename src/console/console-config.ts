import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import JSON5 from 'json5';
import { stringify } from 'yaml';
import { starterConfigText } from '../config/config-file-text.js';
import { envBindings } from '../config/env.js';
import { ConfigError, configFromText, redactedConfig, replaceConfigFile, type ClawflowConfig } from '../config/load.js';
import { isSecretName, namedSecretValues } from '../config/secret-names.js';
import { secretValues } from '../config/secrets.js';
import type { ConsoleConfig, ConsoleConfigSave } from '../contracts/console-feed.js';
import { createRedactor } from '../redaction.js';

const hidden = '(set, hidden)';
const placeholder = /\(hidden secret (\d+)\)/g;
/** Secrets shorter than this are hidden only as a whole quoted value (anywhere in the text they could be a word). */
const hiddenAnywhereFrom = 8;

/** A configuration change the console would not save, and why: said to the owner (a 409). */
export class ConfigSaveRefused extends Error {
  override name = 'ConfigSaveRefused';
}

/** Token shapes alone (a key in a URL, a Bearer header): what the log's redactor recognises without knowing the value. */
const shapedLikeToken = createRedactor([]);

/** Strings in a parsed configuration that sit under a secret's name, or hold something shaped like a token. */
function secretsIn(value: unknown): string[] {
  const shaped = (v: unknown): string[] =>
    typeof v === 'string' ? (shapedLikeToken(v) !== v ? [v] : []) : v && typeof v === 'object' ? Object.values(v).flatMap(shaped) : [];
  return [...namedSecretValues(value), ...shaped(value)];
}

/** `name: "value"` pairs under a secret's name in a text that may not parse (a file broken by hand). */
function secretsWritten(text: string): string[] {
  const pairs = text.matchAll(/["']?([A-Za-z_$][\w$-]*)["']?\s*:\s*(["'])((?:\\.|(?!\2)[^\\\n])*)\2/g);
  return [...pairs].filter(([, name, , value]) => value && isSecretName(name!)).map(([, , , value]) => value!);
}

/** A copy with every secret hidden: strings that are one, and strings under a secret's name. */
function hideSecrets(value: unknown, secrets: ReadonlySet<string>, name = ''): unknown {
  if (typeof value === 'string') return secrets.has(value) || (value && isSecretName(name)) ? hidden : value;
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

/** A text's settings, or nothing when it is not JSON5 (then it holds no setting to compare, and no secret by its name). */
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
  /** The save under way, if any (saves wait for each other). */
  #saving: Promise<unknown> = Promise.resolve();

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

  /**
   * Every secret the text may hold: the running stack's, those under a secret's name or shaped like a token (read
   * from the text even when it does not parse), longest first so that one containing another is hidden whole.
   */
  private secretsOf(text: string): string[] {
    this.#runningSecrets ??= secretValues(this.running);
    // Not JSON5: what is written under a secret's name still counts.
    const found = [...this.#runningSecrets, ...secretsIn(parsedOrNothing(text)), ...secretsWritten(text)];
    return [...new Set(found)].filter(Boolean).sort((a, b) => b.length - a.length);
  }

  /**
   * The text with each secret replaced by `(hidden secret N)` — wherever it is (inside a longer value, in a comment),
   * a short one only as a whole quoted value — and the text each N stands for.
   */
  private masked(text: string, secrets: readonly string[]): { text: string; literals: string[] } {
    const literals: string[] = [];
    let out = text;
    for (const secret of secrets) {
      for (const form of quotedForms(secret)) {
        const anywhere = form.length >= hiddenAnywhereFrom;
        for (const found of anywhere ? [form] : [`"${form}"`, `'${form}'`]) {
          if (!out.includes(found)) continue;
          literals.push(form);
          const mark = `(hidden secret ${literals.length})`;
          out = out.split(found).join(anywhere ? mark : `${found[0]}${mark}${found[0]}`);
        }
      }
    }
    return { text: out, literals };
  }

  view(): ConsoleConfig {
    const text = this.read();
    const secrets = this.secretsOf(text);
    // What is said to the page about the text (a reason it fails may quote it) is redacted.
    const redact = createRedactor(secrets);
    let current: ClawflowConfig | null = null;
    let problem: string | null = null;
    try {
      current = configFromText(text, this.env);
    } catch (error) {
      problem = redact((error as Error).message);
    }
    const shown = (config: ClawflowConfig): unknown => hideSecrets(redactedConfig(config), new Set(secrets));
    return {
      file: this.file,
      text: this.masked(text, secrets).text,
      base: versionOf(text),
      problem,
      // Hidden by setting, then by value wherever one still shows (inside a longer value: a command's argument).
      effective: current ? redact(stringify(shown(current))) : null,
      fromEnvironment: envBindings.filter((b) => this.env[b.env]).map((b) => ({ path: b.path.join('.'), env: b.env })),
      // Names only leave here: a secret rotated in the file shows as waiting for the restart too.
      notInEffect: current ? changedSettings(this.running, current).filter((path) => !path.startsWith('paths.')) : [],
    };
  }

  /**
   * Saves the page's text: its secrets put back, checked as ClawFlow checks the file at start, the old file kept. One
   * save at a time: a second made from the same version is refused, not written over the first.
   */
  save(input: ConsoleConfigSave): Promise<string> {
    const saved = this.#saving.then(() => this.saveNow(input));
    this.#saving = saved.catch(() => undefined);
    return saved;
  }

  private async saveNow({ text: edited, base }: ConsoleConfigSave): Promise<string> {
    const before = this.read();
    if (versionOf(before) !== base)
      throw new ConfigSaveRefused('the file changed since the page read it (someone else edited it): nothing was saved; the page now shows it as it is');
    const { literals } = this.masked(before, this.secretsOf(before));
    const unknown = [...edited.matchAll(placeholder)].find((match) => !literals[Number(match[1]) - 1]);
    if (unknown) throw new ConfigSaveRefused(`"${unknown[0]}" stands for no secret of the file: write the value itself, or keep a placeholder the page showed`);
    const text = edited.replace(placeholder, (_, n: string) => literals[Number(n) - 1]!);
    // Checked as a start would check it, with the same messages (a secret they quote redacted): a text that fails is not written.
    try {
      configFromText(text, this.env);
    } catch (error) {
      if (error instanceof ConfigError) throw new ConfigError(createRedactor(this.secretsOf(text))(error.message));
      throw error;
    }
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
