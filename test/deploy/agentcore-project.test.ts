import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { envBindings } from '../../src/config/env.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const version = process.env.CLAWFLOW_AGENTCORE_CLI_VERSION ?? '0.30.0';
/** The agentcore CLI .ci/agentcore-cli installs (once per machine), or one on PATH. */
function agentcoreCli(): string | null {
  const cached = join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'clawflow', 'agentcore-cli', version, 'node_modules', '.bin', 'agentcore');
  if (existsSync(cached)) return cached;
  const onPath = spawnSync('agentcore', ['--version'], { encoding: 'utf8' });
  return onPath.status === 0 ? 'agentcore' : null;
}
const cli = agentcoreCli();

interface RuntimeSpec {
  name: string;
  build: string;
  codeLocation: string;
  dockerfile?: string;
  envVars?: Array<{ name: string; value: string }>;
  additionalPolicies?: string[];
}

describe('the AgentCore project files (agentcore/), as the @aws/agentcore CLI uses them', () => {
  const project = JSON.parse(readFileSync(join(root, 'agentcore', 'agentcore.json'), 'utf8')) as { runtimes: RuntimeSpec[] };
  const [runtime] = project.runtimes;

  it.runIf(process.env.CI)('has the CLI here (.ci/agentcore-cli installs it)', () => {
    expect(cli).not.toBeNull();
  });

  it.skipIf(!cli)('passes `agentcore validate` on this checkout', () => {
    const run = spawnSync(cli!, ['validate', '--directory', root], { encoding: 'utf8', env: { ...process.env, AWS_EC2_METADATA_DISABLED: 'true' } });
    expect(run.status, run.stdout + run.stderr).toBe(0);
    expect(run.stdout).toContain('Valid');
  });

  it('describes one Container runtime built from the repository’s Dockerfile, for the host or for arm64, with settings ClawFlow reads', () => {
    expect(project.runtimes).toHaveLength(1);
    expect(runtime).toMatchObject({ name: 'clawflow', build: 'Container', codeLocation: './', dockerfile: 'Dockerfile' });
    const dockerfile = readFileSync(join(root, runtime!.codeLocation, runtime!.dockerfile!), 'utf8');
    // No platform pinned: `agentcore dev` builds for the host, `deploy` on an ARM64 CodeBuild host.
    expect(dockerfile).not.toMatch(/--platform=/);
    expect(dockerfile).toMatch(/^ARG NODE_IMAGE=public\.ecr\.aws\/docker\/library\/node:/m);
    const known = new Set(envBindings.map((b) => b.env));
    for (const { name } of runtime!.envVars ?? []) expect(known, name).toContain(name);
    for (const policy of runtime!.additionalPolicies ?? []) {
      const document = JSON.parse(readFileSync(join(root, runtime!.codeLocation, policy), 'utf8')) as { Statement: Array<{ Action: string }> };
      expect(document.Statement.map((s) => s.Action)).toContain('secretsmanager:GetSecretValue');
    }
    const ignored = readFileSync(join(root, '.dockerignore'), 'utf8').split('\n');
    expect(ignored).toEqual(expect.arrayContaining(['agentcore', 'dist']));
  });
});
