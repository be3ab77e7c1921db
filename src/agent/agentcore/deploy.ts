import {
  BedrockAgentCoreControlClient,
  CreateAgentRuntimeCommand,
  GetAgentRuntimeCommand,
  ListAgentRuntimesCommand,
  UpdateAgentRuntimeCommand,
  type AgentRuntimeStatus,
} from '@aws-sdk/client-bedrock-agentcore-control';
import type { ClawflowConfig } from '../../config/load.js';

/**
 * Model settings the runtime container needs, from this machine's configuration. Never the API key itself: the
 * container reads it from AWS Secrets Manager at start (model.apiKeySecretArn), so it is in no environment variable.
 */
export function runtimeEnvironment(model: ClawflowConfig['model'], apiKeySecretArn: string | undefined): Record<string, string> {
  if (model.apiKey && !apiKeySecretArn) {
    throw new Error(
      "the model API key would go into the runtime's environment in plain text. Store it in AWS Secrets Manager and pass --api-key-secret-arn <arn> (or set model.apiKeySecretArn); the runtime's role needs secretsmanager:GetSecretValue on it",
    );
  }
  const entries: Array<[string, string | number | undefined]> = [
    ['CLAWFLOW_MODEL_PROVIDER', model.provider],
    ['CLAWFLOW_MODEL_BASE_URL', model.baseUrl],
    ['CLAWFLOW_MODEL', model.name],
    ['CLAWFLOW_MODEL_API_KEY_SECRET_ARN', apiKeySecretArn],
    ['CLAWFLOW_MODEL_API_KEY_SECRET_JSON_KEY', apiKeySecretArn ? model.apiKeySecretJsonKey : undefined],
    ['CLAWFLOW_MODEL_REGION', model.region],
    ['CLAWFLOW_MODEL_MAX_TOKENS', model.maxTokens],
    // The runtime must offer the models sessions may switch to (/model), and know whether to show images.
    ['CLAWFLOW_MODEL_CHOICES', model.choices.length ? model.choices.join(',') : undefined],
    ['CLAWFLOW_MODEL_VISION', model.vision ? undefined : 'false'],
  ];
  return Object.fromEntries(entries.filter((e): e is [string, string | number] => e[1] !== undefined).map(([k, v]) => [k, String(v)]));
}

export interface DeployOptions {
  /** Agent runtime name: letters, digits and underscores (AgentCore's rule). */
  name: string;
  /** The runtime image in ECR (linux/arm64), e.g. 123456789012.dkr.ecr.us-east-1.amazonaws.com/clawflow-runtime:latest */
  imageUri: string;
  /** IAM role the runtime runs as (ECR pull, CloudWatch logs, Bedrock if the model is there). */
  roleArn: string;
  /** Model settings and other environment of the runtime container. */
  environment: Record<string, string>;
  idleTimeoutSeconds: number;
  maxLifetimeSeconds: number;
  /** How long to wait for READY. */
  waitSeconds: number;
  onProgress: (message: string) => void;
}

export interface DeployResult {
  agentRuntimeArn: string;
  agentRuntimeId: string;
  version: string;
  created: boolean;
}

const settled: ReadonlySet<AgentRuntimeStatus | undefined> = new Set(['READY', 'CREATE_FAILED', 'UPDATE_FAILED', 'DELETE_FAILED']);

async function findByName(client: BedrockAgentCoreControlClient, name: string): Promise<string | undefined> {
  let nextToken: string | undefined;
  do {
    const page = await client.send(new ListAgentRuntimesCommand({ maxResults: 100, ...(nextToken ? { nextToken } : {}) }));
    const match = page.agentRuntimes?.find((r) => r.agentRuntimeName === name);
    if (match) return match.agentRuntimeId;
    nextToken = page.nextToken;
  } while (nextToken);
  return undefined;
}

/** Creates the agent runtime, or updates the one with that name to the new image, and waits until it is READY. */
export async function deployAgentRuntime(
  client: BedrockAgentCoreControlClient,
  options: DeployOptions,
  sleep = (ms: number) => new Promise((r) => setTimeout(r, ms)),
): Promise<DeployResult> {
  const spec = {
    agentRuntimeArtifact: { containerConfiguration: { containerUri: options.imageUri } },
    roleArn: options.roleArn,
    networkConfiguration: { networkMode: 'PUBLIC' as const },
    protocolConfiguration: { serverProtocol: 'HTTP' as const },
    lifecycleConfiguration: { idleRuntimeSessionTimeout: options.idleTimeoutSeconds, maxLifetime: options.maxLifetimeSeconds },
    environmentVariables: options.environment,
    description: 'ClawFlow agent runtime',
  };
  const existing = await findByName(client, options.name);
  let id: string;
  if (existing) {
    options.onProgress(`updating agent runtime ${options.name} (${existing}) to ${options.imageUri}`);
    id = (await client.send(new UpdateAgentRuntimeCommand({ agentRuntimeId: existing, ...spec }))).agentRuntimeId!;
  } else {
    options.onProgress(`creating agent runtime ${options.name} from ${options.imageUri}`);
    id = (await client.send(new CreateAgentRuntimeCommand({ agentRuntimeName: options.name, ...spec }))).agentRuntimeId!;
  }
  const deadline = Date.now() + options.waitSeconds * 1000;
  for (;;) {
    const runtime = await client.send(new GetAgentRuntimeCommand({ agentRuntimeId: id }));
    if (runtime.status === 'READY') {
      return { agentRuntimeArn: runtime.agentRuntimeArn!, agentRuntimeId: id, version: runtime.agentRuntimeVersion ?? '', created: !existing };
    }
    if (settled.has(runtime.status)) throw new Error(`agent runtime ${options.name} is ${runtime.status}: ${runtime.failureReason ?? 'no reason given'}`);
    if (Date.now() > deadline) throw new Error(`agent runtime ${options.name} is still ${runtime.status} after ${options.waitSeconds} s`);
    options.onProgress(`status ${runtime.status}…`);
    await sleep(2000);
  }
}
