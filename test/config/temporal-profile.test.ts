import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig, redactedConfig } from '../../src/config/load.js';
import { isTemporalCloud, temporalConnectionOptions } from '../../src/temporal/connection-options.js';
import { searchAttributeCommands } from '../../src/temporal/search-attribute-commands.js';
import { makeTestPki, type TestPki } from '../helpers/test-certificates.js';

describe('Temporal connection settings: temporal.toml profiles, TEMPORAL_* variables, TLS and API keys', () => {
  let dir: string;
  let pki: TestPki;
  let profiles: string;
  const env = (more: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv => ({ CLAWFLOW_HOME: join(dir, 'home'), ...more });

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'clawflow-profile-'));
    pki = makeTestPki(dir);
    profiles = join(dir, 'temporal.toml');
    writeFileSync(
      profiles,
      [
        '[profile.default]',
        'address = "127.0.0.1:7233"',
        '[profile.cloud]',
        'address = "eu-west-1.aws.api.temporal.io:7233"',
        'namespace = "clawflow.a1b2c"',
        'api_key = "cloud-key-not-for-logs"',
        '[profile.mtls]',
        'address = "temporal.example.internal:7233"',
        'namespace = "agents"',
        '[profile.mtls.tls]',
        'server_name = "temporal.example.internal"',
        `server_ca_cert_path = "${pki.ca.cert}"`,
        `client_cert_path = "${pki.client.cert}"`,
        `client_key_path = "${pki.client.key}"`,
        '[profile.mtls.grpc_meta]',
        'x-route = "blue"',
        '[profile.mismatched.tls]',
        `client_cert_path = "${pki.client.cert}"`,
        `client_key_path = "${pki.stranger.key}"`,
      ].join('\n'),
    );
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reads no profile unless one is named: a local stack is never moved by the CLI default profile', () => {
    mkdirSync(join(dir, 'temporalio'));
    writeFileSync(join(dir, 'temporalio', 'temporal.toml'), '[profile.default]\naddress = "10.9.9.9:7233"\n');
    const config = loadConfig(env({ XDG_CONFIG_HOME: dir }));
    expect(config.temporal.address).toBeUndefined();
    // Named, the default file's profile is read.
    expect(loadConfig(env({ XDG_CONFIG_HOME: dir, TEMPORAL_PROFILE: 'default' })).temporal.address).toBe('10.9.9.9:7233');
    expect(temporalConnectionOptions(config)).toEqual({ address: '127.0.0.1:7233' });
  });

  it('takes a named profile: address, namespace, API key (TLS on with it)', () => {
    const config = loadConfig(env({ TEMPORAL_PROFILE: 'cloud', TEMPORAL_CONFIG_FILE: profiles }));
    expect(config.temporal).toMatchObject({ address: 'eu-west-1.aws.api.temporal.io:7233', namespace: 'clawflow.a1b2c', apiKey: 'cloud-key-not-for-logs' });
    expect(temporalConnectionOptions(config)).toEqual({ address: 'eu-west-1.aws.api.temporal.io:7233', tls: true, apiKey: 'cloud-key-not-for-logs' });
    expect(isTemporalCloud(config.temporal.address!)).toBe(true);
    // The key is a secret: hidden wherever the configuration is shown.
    expect(JSON.stringify(redactedConfig(config))).not.toContain('cloud-key-not-for-logs');
  });

  it('builds mutual TLS from the profile, and the environment wins over the file', () => {
    const config = loadConfig(env({ TEMPORAL_PROFILE: 'mtls', TEMPORAL_CONFIG_FILE: profiles, TEMPORAL_NAMESPACE: 'other' }));
    expect(config.temporal.namespace).toBe('other');
    const options = temporalConnectionOptions(config);
    expect(options).toMatchObject({ address: 'temporal.example.internal:7233', metadata: { 'x-route': 'blue' } });
    expect(options.tls).toEqual({
      serverNameOverride: 'temporal.example.internal',
      serverRootCACertificate: readFileSync(pki.ca.cert),
      clientCertPair: { crt: readFileSync(pki.client.cert), key: readFileSync(pki.client.key) },
    });
  });

  it('takes TLS from TEMPORAL_TLS_* alone, the key as PEM text (hidden when shown)', () => {
    const key = readFileSync(pki.client.key, 'utf8');
    const config = loadConfig(
      env({
        TEMPORAL_ADDRESS: '127.0.0.1:7233',
        TEMPORAL_TLS_SERVER_CA_CERT_PATH: pki.ca.cert,
        TEMPORAL_TLS_CLIENT_CERT_PATH: pki.client.cert,
        TEMPORAL_TLS_CLIENT_KEY_DATA: key,
      }),
    );
    expect(temporalConnectionOptions(config).tls).toMatchObject({ clientCertPair: { key: Buffer.from(key) } });
    expect(JSON.stringify(redactedConfig(config))).not.toContain('PRIVATE KEY');
  });

  it('names the file and the setting when a certificate is wrong, missing, or not the key’s', () => {
    const withTls = (tls: Record<string, string>) => temporalConnectionOptions({ ...loadConfig(env()), temporal: { ...loadConfig(env()).temporal, tls } });
    expect(() => withTls({ clientCert: pki.client.key, clientKey: pki.client.key })).toThrow(
      `temporal.tls.clientCert (${pki.client.key}) is not a PEM certificate`,
    );
    expect(() => withTls({ serverCaCert: join(dir, 'nope.pem') })).toThrow(`temporal.tls.serverCaCert (${join(dir, 'nope.pem')}) cannot be read`);
    const mismatched = loadConfig(env({ TEMPORAL_PROFILE: 'mismatched', TEMPORAL_CONFIG_FILE: profiles }));
    expect(() => temporalConnectionOptions(mismatched)).toThrow(
      `the client key (${pki.stranger.key}) is not the key of the client certificate (${pki.client.cert})`,
    );
  });

  it('refuses a profile that is not there, naming the file, and half a client certificate', () => {
    expect(() => loadConfig(env({ TEMPORAL_PROFILE: 'staging', TEMPORAL_CONFIG_FILE: profiles }))).toThrow(
      `the Temporal profile "staging" cannot be read from ${profiles}`,
    );
    expect(() => loadConfig(env({ TEMPORAL_PROFILE: 'cloud', TEMPORAL_CONFIG_FILE: join(dir, 'missing.toml') }))).toThrow(
      `${join(dir, 'missing.toml')} does not exist`,
    );
    expect(() => loadConfig(env({ TEMPORAL_ADDRESS: '127.0.0.1:7233', TEMPORAL_TLS_CLIENT_CERT_PATH: pki.client.cert }))).toThrow(
      'a client certificate needs its key',
    );
  });

  it('says the commands that add the search attributes, for Temporal Cloud and for a cluster', () => {
    const commands = searchAttributeCommands('clawflow.a1b2c');
    expect(commands).toContain(
      'tcld namespace search-attributes add --namespace clawflow.a1b2c --search-attribute "ClawflowAgent=Keyword" --search-attribute "ClawflowChannel=Keyword"',
    );
    expect(commands).toContain('--search-attribute "ClawflowLastActivity=Datetime"');
    expect(commands).toContain('temporal operator search-attribute create --namespace clawflow.a1b2c --name ClawflowTurns --type Int');
  });
});
