import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { loadClientConfigProfile, type ClientConfigProfile, type ConfigDataSource } from '@temporalio/envconfig';
import type { RawObject } from './config-file-text.js';

/** Temporal's default client configuration file, as the `temporal` CLI reads it. */
function defaultTemporalConfigFile(env: NodeJS.ProcessEnv = process.env): string {
  return join(env.XDG_CONFIG_HOME ?? join(homedir(), '.config'), 'temporalio', 'temporal.toml');
}

/** A profile named in the settings could not be read: said with the file and the profile. */
export class TemporalProfileError extends Error {
  override name = 'TemporalProfileError';
}

type TlsSource = NonNullable<ClientConfigProfile['tls']>['clientCert'];

/** A file source as its path, data as its text: ClawFlow's `temporal.tls` fields. */
function tlsFields(source: TlsSource, pathKey: string, dataKey: string): RawObject {
  if (!source) return {};
  if ('path' in source) return { [pathKey]: source.path };
  return { [dataKey]: typeof source.data === 'string' ? source.data : Buffer.from(source.data).toString('utf8') };
}

/**
 * Fills `temporal` from a profile of Temporal's client configuration (temporal.toml) where clawflow.json and the
 * environment leave a setting unset; read only when a profile or a file is named (`temporal.profile`,
 * `temporal.configFile`, TEMPORAL_PROFILE, TEMPORAL_CONFIG_FILE), so a CLI profile never moves a local stack by
 * surprise. The TEMPORAL_* variables are ClawFlow's own settings (config/env.ts), so they win over the file, as they
 * do for the `temporal` CLI. Records where each filled setting came from, for error messages.
 */
export function withTemporalProfile(raw: RawObject, origins: Map<string, string>, env: NodeJS.ProcessEnv = process.env): RawObject {
  const temporal = (raw.temporal ?? {}) as RawObject;
  const name = typeof temporal.profile === 'string' ? temporal.profile : undefined;
  const file = typeof temporal.configFile === 'string' ? temporal.configFile : undefined;
  if (name === undefined && file === undefined) return raw;
  const path = file ?? defaultTemporalConfigFile(env);
  const profileName = name ?? 'default';
  if (!existsSync(path)) throw new TemporalProfileError(`the Temporal profile "${profileName}" cannot be read: ${path} does not exist`);
  let profile: ClientConfigProfile;
  try {
    const source: ConfigDataSource = { path };
    profile = loadClientConfigProfile({ profile: profileName, configSource: source, disableEnv: true });
  } catch (error) {
    throw new TemporalProfileError(`the Temporal profile "${profileName}" cannot be read from ${path}: ${(error as Error).message}`);
  }
  const origin = `profile "${profileName}" in ${path}`;
  const fromProfile: RawObject = {
    ...(profile.address ? { address: profile.address } : {}),
    ...(profile.namespace ? { namespace: profile.namespace } : {}),
    ...(profile.apiKey ? { apiKey: profile.apiKey } : {}),
    ...(profile.grpcMeta && Object.keys(profile.grpcMeta).length ? { grpcMeta: profile.grpcMeta } : {}),
  };
  const tls: RawObject = profile.tls
    ? {
        ...(profile.tls.disabled !== undefined ? { enabled: !profile.tls.disabled } : {}),
        ...(profile.tls.serverName ? { serverName: profile.tls.serverName } : {}),
        ...tlsFields(profile.tls.serverCACert, 'serverCaCert', 'serverCaCertData'),
        ...tlsFields(profile.tls.clientCert, 'clientCert', 'clientCertData'),
        ...tlsFields(profile.tls.clientKey, 'clientKey', 'clientKeyData'),
      }
    : {};
  const merged: RawObject = { ...temporal };
  for (const [key, value] of Object.entries(fromProfile)) {
    if (merged[key] !== undefined) continue;
    merged[key] = value;
    origins.set(`temporal.${key}`, origin);
  }
  if (Object.keys(tls).length) {
    const own = (temporal.tls ?? {}) as RawObject;
    const filled: RawObject = { ...own };
    for (const [key, value] of Object.entries(tls)) {
      // A file set here is not joined by the profile's text for the same certificate, nor the other way round.
      const sibling = key.endsWith('Data') ? key.slice(0, -'Data'.length) : `${key}Data`;
      if (own[key] !== undefined || own[sibling] !== undefined) continue;
      filled[key] = value;
      origins.set(`temporal.tls.${key}`, origin);
    }
    merged.tls = filled;
  }
  return { ...raw, temporal: merged };
}
