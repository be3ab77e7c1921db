import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Files of a certificate and its key. */
export interface CertificateFiles {
  cert: string;
  key: string;
}

/** A CA made for one test, a server certificate for localhost/127.0.0.1 and client certificates, all signed by it. */
export interface TestPki {
  ca: CertificateFiles;
  server: CertificateFiles;
  /** ClawFlow's processes present this one. */
  client: CertificateFiles;
  /** The server's own internal clients (its system worker) present this one. */
  internal: CertificateFiles;
  /** Signed by another CA: a server that trusts only `ca` refuses it. */
  stranger: CertificateFiles;
}

const openssl = (args: string[], cwd: string): void => {
  execFileSync('openssl', args, { cwd, stdio: 'pipe' });
};

function makeCa(dir: string, name: string): CertificateFiles {
  const files = { cert: join(dir, `${name}.pem`), key: join(dir, `${name}.key`) };
  // prettier-ignore
  openssl(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', files.key, '-out', files.cert,
    '-days', '2', '-subj', `/CN=ClawFlow test ${name}`, '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign'], dir);
  return files;
}

function makeLeaf(dir: string, name: string, ca: CertificateFiles, usage: 'serverAuth,clientAuth' | 'clientAuth'): CertificateFiles {
  const files = { cert: join(dir, `${name}.pem`), key: join(dir, `${name}.key`) };
  const csr = join(dir, `${name}.csr`);
  const extensions = join(dir, `${name}.ext`);
  writeFileSync(
    extensions,
    [
      'basicConstraints=CA:FALSE',
      'keyUsage=critical,digitalSignature,keyEncipherment',
      `extendedKeyUsage=${usage}`,
      ...(usage === 'clientAuth' ? [] : ['subjectAltName=DNS:localhost,IP:127.0.0.1']),
    ].join('\n'),
  );
  // prettier-ignore
  openssl(['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', files.key, '-out', csr, '-subj', `/CN=${name}`], dir);
  // prettier-ignore
  openssl(['x509', '-req', '-in', csr, '-CA', ca.cert, '-CAkey', ca.key, '-CAcreateserial', '-out', files.cert, '-days', '2', '-extfile', extensions], dir);
  return files;
}

/** Makes the certificates in `dir` with openssl (a second or so). */
export function makeTestPki(dir: string): TestPki {
  const ca = makeCa(dir, 'ca');
  const otherCa = makeCa(dir, 'other-ca');
  return {
    ca,
    server: makeLeaf(dir, 'server', ca, 'serverAuth,clientAuth'),
    client: makeLeaf(dir, 'clawflow', ca, 'clientAuth'),
    internal: makeLeaf(dir, 'internal', ca, 'serverAuth,clientAuth'),
    stranger: makeLeaf(dir, 'stranger', otherCa, 'clientAuth'),
  };
}
