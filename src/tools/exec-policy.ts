import { parse, type ParseEntry } from 'shell-quote';

/**
 * What `exec` may run without asking, and what it shows when it asks. The allowlist is about programs and their
 * arguments, never about the raw string: `git status; id` is two commands, and only runs unasked if both are
 * allowlisted. Anything the check cannot read for sure (substitutions, redirections, globs, newlines…) is not
 * allowlisted: it is asked for, or refused under the `allowlist` policy. Wrongly asking is safe; wrongly running is not.
 */

function quote(value: string): string {
  return /^[A-Za-z0-9_./:=@%+,-]+$/.test(value) ? value : `'${value.replaceAll("'", `'\\''`)}'`;
}

/** Operators that join simple commands; each side must be allowlisted on its own. */
const joiners = new Set(['&&', '||', ';', '|']);

/**
 * Characters the parser does not read as the shell does (a newline separates commands; backticks substitute; `#`
 * in a word is literal to the shell but a comment to the parser): a command with any of them is never allowlisted.
 */
const unreadable = /[\n\r`#\0]/;

/** The simple commands of a command line, each as its argv; null when it is more than simple commands joined. */
export function simpleCommands(command: string): string[][] | null {
  if (unreadable.test(command)) return null;
  let entries: ParseEntry[];
  try {
    // Every variable reads as a marker object, so that no expansion can pass for plain text.
    entries = parse(command, () => ({ op: 'glob', pattern: '$' }) as ParseEntry);
  } catch {
    return null;
  }
  const commands: string[][] = [[]];
  for (const entry of entries) {
    if (typeof entry === 'string') {
      commands.at(-1)!.push(entry);
      continue;
    }
    if (!('op' in entry) || !joiners.has(entry.op)) return null;
    commands.push([]);
  }
  return commands.every((argv) => argv.length > 0) ? commands : null;
}

/** Whether a command line runs without asking: every simple command in it matches a pattern of the allowlist whole. */
export function allowlisted(command: string, patterns: readonly string[]): boolean {
  const commands = simpleCommands(command.trim());
  if (!commands || patterns.length === 0) return false;
  const compiled = patterns.map((pattern) => new RegExp(`^(?:${pattern})$`));
  // Arguments are quoted back, so that one argument holding a space never passes for two.
  return commands.every((argv) => compiled.some((pattern) => pattern.test(argv.map(quote).join(' '))));
}

/**
 * Variables that change what a program loads or runs (a library preloaded, a hook or config file read, another
 * interpreter, another PATH): set by the model, they turn an allowlisted command into any command.
 */
const riskyNames = [
  /^LD_/,
  /^DYLD_/,
  /^GIT_/,
  /^NODE_/,
  /^NPM_CONFIG_/i,
  /^PYTHON/,
  /^PERL/,
  /^RUBY/,
  /^JAVA_TOOL_OPTIONS$/,
  /^_JAVA_OPTIONS$/,
  /^JDK_JAVA_OPTIONS$/,
  /^BASH_ENV$/,
  /^ENV$/,
  /^BASH_FUNC_/,
  /^SHELLOPTS$/,
  /^BASHOPTS$/,
  /^PS4$/,
  /^PROMPT_COMMAND$/,
  /^IFS$/,
  /^PATH$/,
  /^HOME$/,
  /^XDG_CONFIG_(HOME|DIRS)$/,
  /^(EDITOR|VISUAL|PAGER|SSH_ASKPASS|SUDO_ASKPASS|GIT_ASKPASS|SSH_AUTH_SOCK)$/,
  /^GCONV_PATH$/,
  /^LOCPATH$/,
  /^TMPDIR$/,
];

/** The names in `env` that could make a program run something else. */
export function riskyEnvironment(env: Readonly<Record<string, string>> = {}): string[] {
  return Object.keys(env).filter((name) => riskyNames.some((pattern) => pattern.test(name)));
}

/**
 * The whole invocation as the user sees it when asked, and as "always" remembers it: where it runs, with which
 * variables (those that change what programs load are named), and the command line.
 */
export function describeInvocation({ command, env, workdir }: { command: string; env?: Readonly<Record<string, string>>; workdir?: string }): string {
  const parts = [
    ...(workdir && workdir !== '.' ? [`cd ${quote(workdir)} &&`] : []),
    ...(env && Object.keys(env).length ? ['env', ...Object.entries(env).map(([name, value]) => `${name}=${quote(value)}`)] : []),
    command,
  ];
  const risky = riskyEnvironment(env);
  return `${parts.join(' ')}${risky.length ? `\n(warning: ${risky.join(', ')} can make programs load or run other code)` : ''}`;
}
