import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runtimeSessionHeader } from '../../../src/contracts/agent-runtime.js';
import { FakeModel } from '../../helpers/fake-model.js';
import { freePort } from '../../helpers/ports.js';
import { killAll, spawnCli } from '../../helpers/processes.js';
import { WireServer } from '../../helpers/wire-server.js';

const arn = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:clawflow/model-key-AbCdEf';

describe('the runtime reads its model API key from AWS Secrets Manager at start (the AgentCore container path)', () => {
  const model = new FakeModel(() => 'answered with the key from the secret');
  // Secrets Manager's JSON 1.1 protocol, as far as GetSecretValue goes.
  const secrets = new WireServer((request) =>
    request.headers['x-amz-target'] === 'secretsmanager.GetSecretValue' && (request.body as { SecretId?: string }).SecretId === arn
      ? { body: { ARN: arn, Name: 'clawflow/model-key', SecretString: JSON.stringify({ apiKey: 'sk-from-secrets-manager' }), VersionId: 'v1' } }
      : { status: 400, headers: { 'x-amzn-errortype': 'ResourceNotFoundException' }, body: { __type: 'ResourceNotFoundException', message: 'no such secret' } },
  );
  beforeAll(async () => {
    await model.start();
    await secrets.start();
  });
  afterAll(async () => {
    await killAll();
    await model.stop();
    await secrets.stop();
  });

  it('uses the secret as the model key, with nothing of it in its environment or its log', async () => {
    const port = await freePort();
    const runtime = spawnCli(['runtime', '--port', String(port)], {
      CLAWFLOW_HOME: '/nonexistent-clawflow-home',
      CLAWFLOW_RUNTIME_AUTH: 'none',
      CLAWFLOW_LOG_FORMAT: 'json',
      CLAWFLOW_MODEL_BASE_URL: model.baseUrl,
      CLAWFLOW_MODEL: 'scripted',
      CLAWFLOW_MODEL_API_KEY_SECRET_ARN: arn,
      CLAWFLOW_MODEL_API_KEY_SECRET_JSON_KEY: 'apiKey',
      AWS_ENDPOINT_URL_SECRETS_MANAGER: secrets.url,
      AWS_ACCESS_KEY_ID: 'AKIDLOCAL',
      AWS_SECRET_ACCESS_KEY: 'local',
      AWS_REGION: 'us-east-1',
    });
    await runtime.waitFor(/agent runtime listening/);
    const response = await fetch(`http://127.0.0.1:${port}/invocations`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', [runtimeSessionHeader]: 'secret-test-session-000000000000000000' },
      body: JSON.stringify({ prompt: 'hello' }),
    });
    expect(await response.json()).toEqual({ response: 'answered with the key from the secret' });
    expect(model.requests.at(-1)!.authorization).toBe('Bearer sk-from-secrets-manager');
    expect(runtime.output()).not.toContain('sk-from-secrets-manager');
    runtime.child.kill('SIGTERM');
    await runtime.exited;
  });

  it('refuses to start when the secret cannot be read, saying what the role needs', async () => {
    const runtime = spawnCli(['runtime', '--port', String(await freePort())], {
      CLAWFLOW_HOME: '/nonexistent-clawflow-home',
      CLAWFLOW_RUNTIME_AUTH: 'none',
      CLAWFLOW_MODEL_BASE_URL: model.baseUrl,
      CLAWFLOW_MODEL: 'scripted',
      CLAWFLOW_MODEL_API_KEY_SECRET_ARN: arn.replace('model-key', 'missing'),
      AWS_ENDPOINT_URL_SECRETS_MANAGER: secrets.url,
      AWS_ACCESS_KEY_ID: 'AKIDLOCAL',
      AWS_SECRET_ACCESS_KEY: 'local',
    });
    expect(await runtime.exited).toBe(1);
    expect(runtime.output()).toMatch(/could not read the model API key from Secrets Manager .*ResourceNotFoundException.*secretsmanager:GetSecretValue/s);
  }, 30_000);
});
