/** Environment variables every command gets from the host (besides what `tools.exec.env` names). */
const passedThrough = ['PATH', 'HOME', 'USER', 'LOGNAME', 'LANG', 'LANGUAGE', 'TERM', 'TZ', 'SHELL'];

/**
 * The environment a command runs with: the few host variables a shell needs (and the locale), plus the ones the
 * configuration names, plus the call's own. Nothing else of ClawFlow's environment — API keys, tokens, cloud
 * credentials — reaches a command, and so the model.
 */
export function commandEnvironment(
  host: NodeJS.ProcessEnv,
  configured: readonly string[],
  extra: Readonly<Record<string, string>> = {},
): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(host)) {
    if (value === undefined) continue;
    if (passedThrough.includes(name) || name.startsWith('LC_') || configured.includes(name)) env[name] = value;
  }
  return { ...env, ...extra };
}
