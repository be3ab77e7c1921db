import { execFile, spawnSync } from 'node:child_process';
import { promisify } from 'node:util';
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OpenAiCompatibleProvider } from '../../src/agent/providers/openai-compatible.js';
import { startRuntime, type RunningRuntime } from '../../src/agent/runtime/server.js';
import { envBindings } from '../../src/config/env.js';
import { createLogger } from '../../src/logger.js';
import { FakeModel } from '../helpers/fake-model.js';

const run = promisify(execFile);
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

describe.skipIf(!cli)('`agentcore dev` against `clawflow runtime` (the CLI itself, on 127.0.0.1)', () => {
  const model = new FakeModel((r) => `seen ${r.messages.filter((m) => m.role === 'user').length} message(s), the last: ${r.messages.at(-1)?.content}`);
  let runtime: RunningRuntime;
  // Not spawnSync: the runtime answers from this process.
  const dev = async (prompt: string): Promise<string> => {
    const { stdout, stderr } = await run(cli!, ['dev', prompt, '--port', new URL(runtime.url).port], {
      cwd: root,
      env: { ...process.env, AWS_EC2_METADATA_DISABLED: 'true' },
      timeout: 60_000,
    });
    return stdout + stderr;
  };

  beforeAll(async () => {
    await model.start();
    // As in the container: AgentCore authenticates callers, so the runtime asks for no token (runtime.auth none).
    runtime = await startRuntime({
      host: '127.0.0.1',
      port: 0,
      provider: new OpenAiCompatibleProvider({ baseUrl: model.baseUrl, model: 'scripted', requestTimeoutMs: 10_000 }),
      token: null,
      logger: createLogger('silent'),
    });
  });
  afterAll(async () => {
    await runtime?.close();
    await model.stop();
  });

  it('is answered with its own session id, goes on with the conversation, and prints a failure as words', async () => {
    expect(await dev('the harbour is Oban')).toContain('seen 1 message(s), the last: the harbour is Oban');
    expect(await dev('which harbour?')).toContain('seen 2 message(s), the last: which harbour?');
    model.setReply(() => {
      throw new Error('down');
    });
    const failed = await dev('still there?');
    expect(failed).toMatch(/Error: .*500/);
    expect(failed).not.toContain('[object Object]');
  }, 120_000);
});
