import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { devServerHttpHost } from '../../src/temporal/http-api.js';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));
const composeAvailable = spawnSync('docker', ['compose', 'version'], { stdio: 'ignore' }).status === 0;

interface Service {
  image?: string;
  command?: string[];
  network_mode?: string;
  restart?: string;
  ports?: Array<string | { host_ip?: string; published?: string | number }>;
  volumes?: Array<string | { source?: string; target?: string }>;
  environment?: Record<string, string | null>;
  healthcheck?: { test?: unknown };
  depends_on?: Record<string, { condition?: string }> | string[];
  container_name?: string;
}

/** The compose file as Docker Compose resolves it (anchors merged, defaults filled), or as YAML where it is absent. */
function resolvedCompose(): { services: Record<string, Service>; volumes?: Record<string, unknown> } {
  if (composeAvailable) {
    const json = execFileSync('docker', ['compose', '--project-directory', root, 'config', '--format', 'json'], {
      cwd: root,
      encoding: 'utf8',
      env: { ...process.env, POSTGRES_PASSWORD: 'test-password' },
    });
    return JSON.parse(json) as { services: Record<string, Service> };
  }
  return parse(readFileSync(`${root}docker-compose.yml`, 'utf8'), { merge: true }) as { services: Record<string, Service> };
}

const clawflowServices = ['runtime', 'sessions', 'tools', 'connector', 'api', 'web-ui'];

describe('docker-compose.yml', () => {
  it.runIf(composeAvailable)('is accepted by `docker compose config`', () => {
    const result = spawnSync('docker', ['compose', 'config', '--quiet'], { cwd: root, encoding: 'utf8' });
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
  });

  it("runs PostgreSQL, Temporal, and each part of ClawFlow as a service of its own, the Web UI behind ClawFlow's guard", () => {
    const { services } = resolvedCompose();
    expect(Object.keys(services).sort()).toEqual(['api', 'connector', 'postgresql', 'runtime', 'sessions', 'temporal', 'tools', 'web-ui']);
    // No Web UI of Temporal's own (it answers any Host and any page): ClawFlow's, against the locked HTTP API.
    expect(Object.values(services).map((s) => s.image)).not.toContainEqual(expect.stringMatching(/^temporalio\/ui/));
    expect(services['web-ui']!.command).toEqual(['web-ui', '--temporal-http', 'http://127.0.0.1:7243']);
    expect(services.sessions!.command).toEqual(['worker', '--queues', 'sessions,agent']);
    expect(services.tools!.command).toEqual(['worker', '--queues', 'tools']);
    expect(services.temporal!.image).toMatch(/^temporalio\/auto-setup:/);
    for (const name of ['postgresql', 'temporal', 'runtime']) expect(services[name]!.healthcheck?.test, name).toBeDefined();
  });

  it('restarts every service, keeps state in named volumes, and lets the session workers scale', () => {
    const { services } = resolvedCompose();
    for (const [name, service] of Object.entries(services)) expect(service.restart, name).toBe('unless-stopped');
    for (const name of clawflowServices) {
      const service = services[name]!;
      const volumes = (service.volumes ?? []).map((v) => (typeof v === 'string' ? v : `${v.source}:${v.target}`));
      expect(volumes, name).toContain('clawflow-state:/data');
      expect(service.environment?.TEMPORAL_ADDRESS, name).toBe('127.0.0.1:7233');
      expect(service.environment?.CLAWFLOW_HOME, name).toBe('/data');
    }
    // `--scale sessions=3` needs a service with no fixed name and no published port.
    expect(services.sessions!.container_name).toBeUndefined();
    expect(services.sessions!.ports ?? []).toEqual([]);
  });

  it('publishes nothing beyond loopback, and ClawFlow listens on the host loopback as under `clawflow start`', () => {
    const { services } = resolvedCompose();
    for (const [name, service] of Object.entries(services)) {
      for (const port of service.ports ?? []) {
        const hostIp = typeof port === 'string' ? port.split(':')[0] : port.host_ip;
        expect(hostIp, `${name} publishes ${JSON.stringify(port)}`).toBe('127.0.0.1');
      }
    }
    expect(services.postgresql!.ports ?? []).toEqual([]);
    for (const name of clawflowServices) expect(services[name]!.network_mode, name).toBe('host');
  });

  it("locks Temporal's HTTP API to the one Host name the Web UI sends, as the dev server's is", () => {
    const { services } = resolvedCompose();
    const temporal = services.temporal!;
    const file = temporal.environment?.DYNAMIC_CONFIG_FILE_PATH;
    expect(file).toBe('/etc/temporal/config/dynamicconfig/clawflow.yaml');
    const mounts = (temporal.volumes ?? []).map((v) => (typeof v === 'string' ? v : `${v.source}:${v.target}`));
    expect(mounts.some((m) => /deploy\/temporal-dynamicconfig:\/etc\/temporal\/config\/dynamicconfig/.test(m))).toBe(true);
    const dynamic = parse(readFileSync(`${root}deploy/temporal-dynamicconfig/clawflow.yaml`, 'utf8')) as Record<
      string,
      Array<{ value: unknown; constraints?: unknown }>
    >;
    // One entry exactly: Temporal joins several into a regular expression that would then let other hosts through.
    expect(dynamic['frontend.httpAllowedHosts']).toEqual([{ value: [devServerHttpHost] }]);
    expect(readFileSync(`${root}deploy/server.Dockerfile`, 'utf8')).toMatch(/setup --web-ui-only/);
  });

  it('takes secrets from an env file that is not committed', () => {
    const { services } = resolvedCompose();
    const raw = readFileSync(`${root}docker-compose.yml`, 'utf8');
    expect(raw).toMatch(/env_file:\s*\n\s*- path: \.env/);
    expect(raw).not.toMatch(/API_KEY|BOT_TOKEN|sk-/);
    expect(spawnSync('git', ['check-ignore', '-q', '.env'], { cwd: root }).status).toBe(0);
    expect(services.temporal!.environment?.POSTGRES_PWD).toBeDefined();
  });
});
