import { z } from 'zod';
import { httpUrl } from '../../contracts/config-fields.js';

// The model that answers.

export const model = z
  .object({
    /** The API family: OpenAI-compatible chat completions (OpenAI, Ollama, vLLM, OpenRouter), Anthropic Messages, or Bedrock Converse. */
    provider: z.enum(['openai-compatible', 'anthropic', 'bedrock']).default('openai-compatible'),
    /** The endpoint, e.g. http://127.0.0.1:11434/v1 for Ollama. Unset with openai-compatible: the built-in echo provider answers. */
    baseUrl: httpUrl().optional(),
    name: z.string().min(1).optional(),
    /** Other models the same provider serves, that a session may switch to with /model (the first of a name wins). */
    choices: z.array(z.string().min(1).max(200)).max(50).default([]),
    apiKey: z.string().min(1).optional(),
    /** An AWS Secrets Manager secret holding the API key, read when the runtime starts (how the AgentCore container gets it). */
    apiKeySecretArn: z
      .string()
      .regex(/^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:.+$/, 'must be a Secrets Manager secret ARN')
      .optional(),
    /** When that secret is JSON: the field holding the key. */
    apiKeySecretJsonKey: z.string().min(1).optional(),
    /** AWS region of Bedrock (default: AWS_REGION). */
    region: z
      .string()
      .regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'must be an AWS region such as us-east-1')
      .optional(),
    /** Most tokens one model answer may have. */
    maxTokens: z.number().int().min(1).max(200_000).default(4096),
    /** Longest a single model request may take. */
    requestTimeoutSeconds: z.number().int().min(1).max(3600).default(240),
    /** The model sees the images users send (a vision model); false: it is only told they came, and where they are saved. */
    vision: z.boolean().default(true),
  })
  .strict()
  .refine((model) => model.provider !== 'openai-compatible' || !model.baseUrl || model.name, {
    message: 'is required when model.baseUrl is set',
    path: ['name'],
  })
  .refine((model) => model.provider === 'openai-compatible' || model.name, { message: 'is required for this provider', path: ['name'] })
  .refine((model) => model.provider !== 'anthropic' || model.apiKey || model.apiKeySecretArn, {
    message: 'is required for the anthropic provider (or apiKeySecretArn)',
    path: ['apiKey'],
  })
  .prefault({});
