import type { ClawflowConfig } from '../../config/load.js';
import type { Logger } from '../../logger.js';

type ModelConfig = ClawflowConfig['model'];

/**
 * The model settings with the API key filled in from AWS Secrets Manager when `model.apiKeySecretArn` names a secret
 * (how the AgentCore container gets its key: the runtime's role reads it at start, and no environment variable, log
 * line or workflow history ever holds it). A key given directly wins. Retries a few times, then fails the start:
 * a runtime that cannot reach its model should not report itself healthy.
 */
export async function withModelApiKey(model: ModelConfig, logger: Logger, sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))): Promise<ModelConfig> {
  if (model.apiKey || !model.apiKeySecretArn) return model;
  const arn = model.apiKeySecretArn;
  const region = arn.split(':')[3]!;
  const { SecretsManagerClient, GetSecretValueCommand } = await import('@aws-sdk/client-secrets-manager');
  const client = new SecretsManagerClient({ region });
  try {
    return await readKey(client, new GetSecretValueCommand({ SecretId: arn }), model, logger, sleep);
  } finally {
    client.destroy();
  }
}

async function readKey(
  client: import('@aws-sdk/client-secrets-manager').SecretsManagerClient,
  command: import('@aws-sdk/client-secrets-manager').GetSecretValueCommand,
  model: ModelConfig,
  logger: Logger,
  sleep: (ms: number) => Promise<unknown>,
): Promise<ModelConfig> {
  const arn = model.apiKeySecretArn!;
  let lastError: Error | undefined;
  for (let attempt = 1; attempt <= 4; attempt++) {
    try {
      const { SecretString } = await client.send(command);
      if (!SecretString) throw new Error('the secret has no string value');
      return { ...model, apiKey: pickKey(SecretString, model.apiKeySecretJsonKey) };
    } catch (error) {
      lastError = error as Error;
      // Only the error's kind and message: never a value.
      logger.warn({ secret: arn, attempt, err: `${lastError.name}: ${lastError.message}` }, 'could not read the model API key from Secrets Manager');
      if (attempt < 4) await sleep(500 * 2 ** attempt);
    }
  }
  throw new Error(
    `could not read the model API key from Secrets Manager (${arn}): ${lastError?.name}: ${lastError?.message}. The runtime's role needs secretsmanager:GetSecretValue on that secret (and kms:Decrypt for a customer-managed key).`,
  );
}

function pickKey(secret: string, jsonKey: string | undefined): string {
  if (!jsonKey) return secret.trim();
  let parsed: unknown;
  try {
    parsed = JSON.parse(secret);
  } catch {
    throw new Error(`model.apiKeySecretJsonKey is "${jsonKey}", but the secret is not JSON`);
  }
  const value = (parsed as Record<string, unknown> | null)?.[jsonKey];
  if (typeof value !== 'string' || !value) throw new Error(`the secret's JSON has no string field "${jsonKey}"`);
  return value;
}
