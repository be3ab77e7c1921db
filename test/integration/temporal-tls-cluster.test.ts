import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Connection } from '@temporalio/client';
import { runCli } from '../helpers/processes.js';
import { makeTestPki, type TestPki } from '../helpers/test-certificates.js';
import { clusterMissing, Postgres, TemporalServer } from '../helpers/temporal-cluster.js';
import { TestStack } from '../helpers/test-stack.js';

const missing = clusterMissing();

describe.skipIf(missing)('ClawFlow on a Temporal cluster that requires TLS and client certificates, through a temporal.toml profile', () => {
  let dir: string;
  let pki: TestPki;
  let pg: Postgres;
  let server: TemporalServer;
  let stack: TestStack;
  let profileFile: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'clawflow-tls-'));
    pki = makeTestPki(dir);
    pg = await Postgres.create();
    await pg.start();
    server = await TemporalServer.create(pg, ['clawflow'], pki);
    // The profile the `temporal` CLI would read too: address, namespace, the server's CA and the client certificate.
    profileFile = join(dir, 'temporal.toml');
    writeFileSync(
      profileFile,
      [
        '[profile.cluster]',
        `address = "${server.address}"`,
        'namespace = "clawflow"',
        '[profile.cluster.tls]',
        'server_name = "localhost"',
        `server_ca_cert_path = "${pki.ca.cert}"`,
        `client_cert_path = "${pki.client.cert}"`,
        `client_key_path = "${pki.client.key}"`,
        '',
        '[profile.broken]',
        `address = "${server.address}"`,
        'namespace = "clawflow"',
        '[profile.broken.tls]',
        `server_ca_cert_path = "${pki.ca.cert}"`,
        // Not a certificate: the key file given where the certificate belongs.
        `client_cert_path = "${pki.client.key}"`,
        `client_key_path = "${pki.client.key}"`,
      ].join('\n'),
    );
    stack = await TestStack.start({
      namespace: 'clawflow',
      temporalAddress: null,
      env: { TEMPORAL_PROFILE: 'cluster', TEMPORAL_CONFIG_FILE: profileFile },
    });
    stack.model.setReply((r) => `answer to "${r.messages.at(-1)?.content}" with ${r.messages.length - 1} messages of context`);
    await stack.startWorker();
  }, 240_000);

  afterAll(async () => {
    await stack?.stop();
    await server?.stop();
    await pg?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('answers with context, every process connected through the profile with its client certificate', async () => {
    expect(stack.config.temporal).toMatchObject({ address: server.address, namespace: 'clawflow', tls: { clientCert: pki.client.cert } });
    await stack.send('main:test:tls', 'remember: the harbour is Oban');
    expect(await stack.send('main:test:tls', 'which harbour?')).toMatchObject({ turn: 2, text: 'answer to "which harbour?" with 3 messages of context' });
    const list = await runCli(['sessions', 'list', '--json'], stack.env);
    expect(list.code, list.output).toBe(0);
    expect(list.output).toContain('main:test:tls');
  });

  it('is refused without a client certificate, with one from another CA, and in plain text', async () => {
    const ca = readFileSync(pki.ca.cert);
    const attempts = [
      { address: server.address, tls: { serverNameOverride: 'localhost', serverRootCACertificate: ca } },
      {
        address: server.address,
        tls: {
          serverNameOverride: 'localhost',
          serverRootCACertificate: ca,
          clientCertPair: { crt: readFileSync(pki.stranger.cert), key: readFileSync(pki.stranger.key) },
        },
      },
      { address: server.address },
    ];
    for (const options of attempts) {
      const reached = await Connection.connect({ ...options, connectTimeout: 3000 }).then(
        async (connection) => {
          try {
            await connection.workflowService.describeNamespace({ namespace: 'clawflow' });
            return true;
          } finally {
            await connection.close();
          }
        },
        () => false,
      );
      expect(reached, JSON.stringify({ tls: options.tls ? Object.keys(options.tls) : 'plain' })).toBe(false);
    }
  });

  it('doctor finds Temporal, the search attributes and the workers, and says the connection is TLS with a client certificate', async () => {
    const doctor = await runCli(['doctor', '--json'], stack.env);
    const findings = JSON.parse(doctor.output.slice(doctor.output.indexOf('['))) as Array<{ check: string; verdict: string; detail: string }>;
    const finding = (check: string) => findings.find((f) => f.check === check);
    expect(finding('temporal')).toMatchObject({ verdict: 'ok', detail: `${server.address} (TLS, client certificate), namespace clawflow` });
    for (const check of ['search attributes', 'sessions worker', 'agent worker', 'tools worker', 'worker deployment'])
      expect(finding(check)?.verdict, check).toBe('ok');
  });

  it('says which file is wrong when a profile names a key where its certificate belongs', async () => {
    const result = await runCli(['sessions', 'list'], { ...stack.env, TEMPORAL_PROFILE: 'broken' });
    expect(result.code).not.toBe(0);
    expect(result.output).toContain(`temporal.tls.clientCert (${pki.client.key}) is not a PEM certificate`);
  });
});
