import { BedrockAgentCoreControlClient } from '@aws-sdk/client-bedrock-agentcore-control';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deployAgentRuntime, runtimeEnvironment, type DeployOptions } from '../../../src/agent/agentcore/deploy.js';
import { loadConfig } from '../../../src/config/load.js';
import { WireServer, type RecordedRequest } from '../../helpers/wire-server.js';

const arn = 'arn:aws:bedrock-agentcore:us-east-1:123456789012:runtime/clawflow-AbC123';

/** The AgentCore control plane as far as deploy uses it: list, create, update, get (CREATING → READY). */
function controlPlane(existing: boolean) {
  let polls = 0;
  return (request: RecordedRequest) => {
    const summary = {
      agentRuntimeArn: arn,
      agentRuntimeId: 'clawflow-AbC123',
      agentRuntimeVersion: existing ? '2' : '1',
      agentRuntimeName: 'clawflow',
      description: '',
      lastUpdatedAt: '2026-11-25T12:00:00Z',
      status: 'READY',
    };
    if (request.method === 'POST' && request.path.startsWith('/runtimes')) return { body: { agentRuntimes: existing ? [summary] : [] } };
    if (request.method === 'PUT')
      return {
        status: 202,
        body: {
          agentRuntimeArn: arn,
          agentRuntimeId: 'clawflow-AbC123',
          agentRuntimeVersion: summary.agentRuntimeVersion,
          createdAt: '2026-11-25T12:00:00Z',
          lastUpdatedAt: '2026-11-25T12:00:00Z',
          status: existing ? 'UPDATING' : 'CREATING',
        },
      };
    polls += 1;
    return {
      body: {
        ...summary,
        createdAt: '2026-11-25T12:00:00Z',
        roleArn: 'arn:aws:iam::123456789012:role/r',
        agentRuntimeArtifact: { containerConfiguration: { containerUri: 'img' } },
        networkConfiguration: { networkMode: 'PUBLIC' },
        status: polls < 2 ? (existing ? 'UPDATING' : 'CREATING') : 'READY',
      },
    };
  };
}

describe('clawflow agentcore deploy (against a local control plane, real AWS SDK client)', () => {
  const server = new WireServer(controlPlane(false));
  const options: DeployOptions = {
    name: 'clawflow',
    imageUri: '123456789012.dkr.ecr.us-east-1.amazonaws.com/clawflow-runtime:1',
    roleArn: 'arn:aws:iam::123456789012:role/clawflow-runtime',
    environment: { CLAWFLOW_MODEL: 'm' },
    idleTimeoutSeconds: 900,
    maxLifetimeSeconds: 28_800,
    waitSeconds: 30,
    onProgress: () => undefined,
  };
  let client: BedrockAgentCoreControlClient;
  beforeAll(async () => {
    await server.start();
    client = new BedrockAgentCoreControlClient({
      region: 'us-east-1',
      endpoint: server.url,
      credentials: { accessKeyId: 'AKIDLOCAL', secretAccessKey: 'local' },
    });
  });
  afterAll(() => server.stop());

  it('creates the runtime with the image, role, lifecycle and model environment, and waits for READY', async () => {
    const result = await deployAgentRuntime(client, options, () => Promise.resolve());
    expect(result).toEqual({ agentRuntimeArn: arn, agentRuntimeId: 'clawflow-AbC123', version: '1', created: true });
    const create = server.requests.find((r) => r.method === 'PUT')!;
    expect(create.path).toBe('/runtimes/');
    expect(create.body).toMatchObject({
      agentRuntimeName: 'clawflow',
      agentRuntimeArtifact: { containerConfiguration: { containerUri: options.imageUri } },
      roleArn: options.roleArn,
      networkConfiguration: { networkMode: 'PUBLIC' },
      protocolConfiguration: { serverProtocol: 'HTTP' },
      lifecycleConfiguration: { idleRuntimeSessionTimeout: 900, maxLifetime: 28_800 },
      environmentVariables: { CLAWFLOW_MODEL: 'm' },
    });
    expect(server.requests.filter((r) => r.method === 'GET')).toHaveLength(2);
  });

  it('updates the runtime of the same name instead of creating a second one', async () => {
    server.requests.length = 0;
    server.setAnswer(controlPlane(true));
    const result = await deployAgentRuntime(client, options, () => Promise.resolve());
    expect(result).toMatchObject({ created: false, version: '2' });
    expect(server.requests.find((r) => r.method === 'PUT')!.path).toBe('/runtimes/clawflow-AbC123/');
  });

  it("never puts the model API key in the runtime's environment: only the Secrets Manager secret that holds it", () => {
    const model = {
      ...loadConfig({ CLAWFLOW_HOME: '/nonexistent' }).model,
      baseUrl: 'https://api.openai.com/v1',
      name: 'gpt-4o-mini',
      apiKey: 'sk-plain-text',
    };
    expect(() => runtimeEnvironment(model, undefined)).toThrow(/plain text.*--api-key-secret-arn/);
    const arn = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:clawflow/model-key-AbCdEf';
    const environment = runtimeEnvironment({ ...model, apiKeySecretJsonKey: 'key' }, arn);
    expect(environment).toEqual({
      CLAWFLOW_MODEL_PROVIDER: 'openai-compatible',
      CLAWFLOW_MODEL_BASE_URL: 'https://api.openai.com/v1',
      CLAWFLOW_MODEL: 'gpt-4o-mini',
      CLAWFLOW_MODEL_API_KEY_SECRET_ARN: arn,
      CLAWFLOW_MODEL_API_KEY_SECRET_JSON_KEY: 'key',
      CLAWFLOW_MODEL_MAX_TOKENS: '4096',
    });
    expect(JSON.stringify(environment)).not.toContain('sk-plain-text');
    // The models a session may switch to, and a text-only model, reach the runtime too.
    expect(runtimeEnvironment({ ...model, choices: ['gpt-4o', 'o3-mini'], vision: false }, arn)).toMatchObject({
      CLAWFLOW_MODEL_CHOICES: 'gpt-4o,o3-mini',
      CLAWFLOW_MODEL_VISION: 'false',
    });
  });
});
