import { createPrivateKey, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { TLSConfig } from '@temporalio/client';
import type { ClawflowConfig } from '../config/load.js';
import { temporalAddress, type TemporalPlace } from './address.js';

/** How every ClawFlow process reaches Temporal: the same for the client, the workers and the admin calls. */
export interface TemporalConnectionOptions {
  address: string;
  tls?: TLSConfig | boolean;
  apiKey?: string;
  metadata?: Record<string, string>;
}

/** A certificate or key that cannot be used: the message names the setting and the file. */
export class TemporalTlsError extends Error {
  override name = 'TemporalTlsError';
}

type TlsSettings = NonNullable<ClawflowConfig['temporal']['tls']>;

/** A PEM from a file or from the setting's text, checked to be what it must be; the error names where it came from. */
function pem(tls: TlsSettings, field: 'serverCaCert' | 'clientCert' | 'clientKey', kind: 'certificate' | 'key'): Buffer | undefined {
  const path = tls[field];
  const data = tls[`${field}Data`];
  if (path === undefined && data === undefined) return undefined;
  const where = path !== undefined ? `temporal.tls.${field} (${path})` : `temporal.tls.${field}Data`;
  let bytes: Buffer;
  try {
    bytes = path !== undefined ? readFileSync(path) : Buffer.from(data!, 'utf8');
  } catch (error) {
    throw new TemporalTlsError(`${where} cannot be read: ${(error as Error).message}`);
  }
  try {
    if (kind === 'certificate') new X509Certificate(bytes);
    else createPrivateKey(bytes);
  } catch (error) {
    throw new TemporalTlsError(`${where} is not a PEM ${kind === 'certificate' ? 'certificate' : 'private key'}: ${(error as Error).message}`);
  }
  return bytes;
}

/** The TLS settings as the SDK takes them; undefined when the connection is plain. */
export function temporalTls(config: Pick<ClawflowConfig, 'temporal'>): TLSConfig | boolean | undefined {
  const { tls, apiKey } = config.temporal;
  if (tls?.enabled === false) return undefined;
  const configured = tls !== undefined && Object.entries(tls).some(([key, value]) => key !== 'enabled' && value !== undefined);
  if (!configured) return tls?.enabled || apiKey ? true : undefined;
  const ca = pem(tls, 'serverCaCert', 'certificate');
  const crt = pem(tls, 'clientCert', 'certificate');
  const key = pem(tls, 'clientKey', 'key');
  if (crt && key) {
    const certificate = new X509Certificate(crt);
    if (!certificate.checkPrivateKey(createPrivateKey(key))) {
      throw new TemporalTlsError(
        `temporal.tls: the client key (${tls.clientKey ?? 'clientKeyData'}) is not the key of the client certificate (${tls.clientCert ?? 'clientCertData'})`,
      );
    }
  }
  return {
    ...(tls.serverName ? { serverNameOverride: tls.serverName } : {}),
    ...(ca ? { serverRootCACertificate: ca } : {}),
    ...(crt && key ? { clientCertPair: { crt, key } } : {}),
  };
}

/** Where Temporal is and how to reach it, from `temporal.*` (a temporal.toml profile and TEMPORAL_* already merged in). */
export function temporalConnectionOptions(config: TemporalPlace): TemporalConnectionOptions {
  const tls = temporalTls(config);
  const { apiKey, grpcMeta } = config.temporal;
  return {
    address: temporalAddress(config),
    ...(tls !== undefined ? { tls } : {}),
    ...(apiKey ? { apiKey } : {}),
    ...(grpcMeta && Object.keys(grpcMeta).length ? { metadata: grpcMeta } : {}),
  };
}

/** Whether the server is Temporal Cloud (its addresses end so): search attributes are added there with tcld. */
export function isTemporalCloud(address: string): boolean {
  const host = address.slice(0, address.lastIndexOf(':')).toLowerCase();
  return host.endsWith('.tmprl.cloud') || host.endsWith('.api.temporal.io');
}
