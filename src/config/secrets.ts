import { randomBytes } from 'node:crypto';
import { chmodSync, closeSync, fsyncSync, linkSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createRedactor, type Redactor } from '../redaction.js';
import { secretPaths } from './env.js';
import { namedSecretValues } from './secret-names.js';
import type { ClawflowConfig } from './load.js';

/** Secrets ClawFlow makes for itself on first use, one file each under `<home>/secrets/` (0700, files 0600). */
export type InstallSecret =
  | `hook-${string}`
  | 'api-token'
  | 'runtime-token'
  | 'webchat-token'
  | 'internal-token'
  | 'image-link-key'
  | 'history-key'
  | 'session-seal-key'
  | 'web-ui-token'
  | 'console-token';

export function secretFile(home: string, name: InstallSecret): string {
  return join(home, 'secrets', name);
}

/** Shorter than this, a secret file is damaged (or was never a secret), not a secret. */
const shortestSecret = 16;

/** A secret file's value; an empty or too short one is an error, never "no secret" (which would switch checks off). */
function readSecret(file: string): string {
  const secret = readFileSync(file, 'utf8').trim();
  if (secret.length < shortestSecret) {
    throw new Error(
      `${file} holds no usable secret (${secret.length ? `only ${secret.length} characters` : 'it is empty'}); delete it and ClawFlow makes a new one at the next start (clients that used the old one need the new one)`,
    );
  }
  return secret;
}

/** The install's secret of this name: read from its file, or made (32 random bytes) and written there first. */
export function installSecret(home: string, name: InstallSecret): string {
  const file = secretFile(home, name);
  try {
    return readSecret(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const dir = join(home, 'secrets');
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  chmodSync(dir, 0o700);
  const secret = randomBytes(32).toString('base64url');
  // Written whole beside it, then linked into place: two processes starting at once agree on the first one's secret.
  const temp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}`;
  // On disk before it is linked into place, so a crash cannot leave an empty secret file behind.
  const fd = openSync(temp, 'wx', 0o600);
  try {
    writeFileSync(fd, `${secret}\n`);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  try {
    linkSync(temp, file);
    return secret;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    return readSecret(file);
  } finally {
    rmSync(temp, { force: true });
  }
}

/** The bearer token the OpenAI-compatible API wants: api.token, or the install's own; null with api.auth "none". */
export function apiToken(config: Pick<ClawflowConfig, 'api' | 'paths'>): string | null {
  if (config.api.auth === 'none') return null;
  return config.api.token ?? installSecret(config.paths.home, 'api-token');
}

/** The bearer token a webhook's sender sends: hooks.<name>.token, or the install's own for that hook; null with api.auth "none". */
export function hookToken(config: Pick<ClawflowConfig, 'api' | 'hooks' | 'paths'>, name: string): string | null {
  if (config.api.auth === 'none') return null;
  return config.hooks[name]?.token ?? installSecret(config.paths.home, `hook-${name}`);
}

/** The secret the workers send the agent runtime: runtime.token, or the install's own; null with runtime.auth "none". */
export function runtimeToken(config: Pick<ClawflowConfig, 'runtime' | 'paths'>): string | null {
  if (config.runtime.auth === 'none') return null;
  return config.runtime.token ?? installSecret(config.paths.home, 'runtime-token');
}

/** The link that opens the WebChat: it carries the install's WebChat key, which the page trades for a cookie. */
export function webChatOpenUrl(config: Pick<ClawflowConfig, 'channels' | 'paths'>): string {
  return `http://127.0.0.1:${config.channels.webchat.port}/?token=${installSecret(config.paths.home, 'webchat-token')}`;
}

/** The link that opens the Temporal Web UI ClawFlow serves: it carries the install's Web UI key, traded for a cookie. */
export function webUiOpenUrl(config: Pick<ClawflowConfig, 'temporal' | 'paths'>, origin = `http://127.0.0.1:${config.temporal.uiPort}`): string {
  return `${origin}/?token=${installSecret(config.paths.home, 'web-ui-token')}`;
}

/** The console's link: it carries the install's console key, which the page trades for a cookie at once. */
export function consoleOpenUrl(config: Pick<ClawflowConfig, 'console' | 'paths'>, origin = `http://127.0.0.1:${config.console.port}`): string {
  return `${origin}/?token=${installSecret(config.paths.home, 'console-token')}`;
}

/** Every secret value this install knows: configured ones and the install's own (made now if they do not exist yet). */
export function secretValues(config: ClawflowConfig): string[] {
  const configured = secretPaths.map((path) =>
    path.split('.').reduce<unknown>((holder, part) => (holder as Record<string, unknown> | undefined)?.[part], config),
  );
  const own = (
    [
      'api-token',
      'runtime-token',
      'webchat-token',
      'internal-token',
      'image-link-key',
      'history-key',
      'session-seal-key',
      'web-ui-token',
      'console-token',
    ] as const
  ).map((name) => installSecret(config.paths.home, name));
  const hooks = config.api.auth === 'none' ? [] : Object.keys(config.hooks).map((name) => hookToken(config, name));
  // Lists of keys (model.apiKeys), and the fallback models' keys (the install's and the agents' own).
  const fallbacks = [...config.model.fallbacks, ...config.agents.list.flatMap((agent) => agent.fallbacks ?? [])].flatMap((f) => [f.apiKey, ...f.apiKeys]);
  // And whatever sits under a secret's name elsewhere (an MCP server's env and headers).
  return [...configured.flat(), ...own, ...hooks, ...fallbacks, ...namedSecretValues(config)].filter(
    (value): value is string => typeof value === 'string' && value.length > 0,
  );
}

/** The redactor for this install's secrets (logs, and every error that leaves an activity). */
export function redactorFor(config: ClawflowConfig): Redactor {
  return createRedactor(secretValues(config));
}
