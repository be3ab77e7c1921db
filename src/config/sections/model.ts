import { z } from 'zod';
import { httpUrl } from '../../contracts/config-fields.js';
import { pricing } from './budget.js';
import { thinkingLevels } from '../../contracts/thinking-levels.js';

// The model that answers, the models that answer when it cannot, and the endpoints users name by their service.

/**
 * Services a user names instead of their endpoint: each speaks OpenAI's chat completions at its base URL, so
 * `provider: "groq"` means `provider: "openai-compatible"` with Groq's URL (a `baseUrl` given still wins).
 */
export const modelPresets = {
  openai: 'https://api.openai.com/v1',
  openrouter: 'https://openrouter.ai/api/v1',
  gemini: 'https://generativelanguage.googleapis.com/v1beta/openai',
  groq: 'https://api.groq.com/openai/v1',
  mistral: 'https://api.mistral.ai/v1',
  deepseek: 'https://api.deepseek.com/v1',
  ollama: 'http://127.0.0.1:11434/v1',
  lmstudio: 'http://127.0.0.1:1234/v1',
} as const;
export type ModelPreset = keyof typeof modelPresets;

const apiFamilies = ['openai-compatible', 'anthropic', 'bedrock'] as const;
const presetNames = Object.keys(modelPresets) as ModelPreset[];

/** A preset becomes the API family it speaks and its URL (and no model section at all, the defaults). */
function withoutPreset(input: unknown): unknown {
  if (input === undefined) return {};
  if (!input || typeof input !== 'object') return input;
  const fields = input as Record<string, unknown>;
  const preset = fields.provider as ModelPreset;
  if (!presetNames.includes(preset)) return input;
  return { ...fields, provider: 'openai-compatible', baseUrl: fields.baseUrl ?? modelPresets[preset] };
}

/** The fields that say how to reach one model: the configured one, and each fallback. */
const endpointFields = {
  /** The API family (OpenAI-compatible chat completions, Anthropic Messages, Bedrock Converse), or a preset of a service. */
  provider: z.enum(apiFamilies, { error: `must be one of ${[...apiFamilies, ...presetNames].join(', ')}` }).default('openai-compatible'),
  /** The endpoint, e.g. http://127.0.0.1:11434/v1 for Ollama. Unset with openai-compatible: the built-in echo provider answers. */
  baseUrl: httpUrl().optional(),
  name: z.string().min(1).optional(),
  apiKey: z.string().min(1).optional(),
  /** More keys for the same endpoint: a call refused with 429 or 401/403 goes on with the next (each cools down on its own). */
  apiKeys: z.array(z.string().min(1)).max(20).default([]),
  /** AWS region of Bedrock (default: AWS_REGION). */
  region: z
    .string()
    .regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'must be an AWS region such as us-east-1')
    .optional(),
  /** Most tokens one model answer may have. */
  maxTokens: z.number().int().min(1).max(200_000).default(4096),
  /** Longest a single model request may take. */
  requestTimeoutSeconds: z.number().int().min(1).max(3600).default(240),
};

type Endpoint = { provider: string; baseUrl?: string | undefined; name?: string | undefined; apiKey?: string | undefined; apiKeys: string[] };
const nameNeeded = (m: Endpoint): boolean => (m.provider === 'openai-compatible' ? Boolean(m.baseUrl) : true);
const keyNeeded = (m: Endpoint & { apiKeySecretArn?: string | undefined }): boolean =>
  m.provider === 'anthropic' && !m.apiKey && !m.apiKeys.length && !m.apiKeySecretArn;

/** A model that answers when the one before it in the chain cannot: the same fields as `model`. */
export const fallback = z.preprocess(
  withoutPreset,
  z
    .object(endpointFields)
    .strict()
    .refine((m) => !nameNeeded(m) || m.name, { message: 'is required (the model to ask)', path: ['name'] })
    .refine((m) => m.provider !== 'openai-compatible' || m.baseUrl, { message: 'is required for a fallback (or a preset provider)', path: ['baseUrl'] })
    .refine((m) => !keyNeeded(m), { message: 'is required for the anthropic provider', path: ['apiKey'] }),
);
export type FallbackModel = z.output<typeof fallback>;

export const model = z.preprocess(
  withoutPreset,
  z
    .object({
      ...endpointFields,
      /** Other models the same provider serves, that a session may switch to with /model (the first of a name wins). */
      choices: z.array(z.string().min(1).max(200)).max(50).default([]),
      /** An AWS Secrets Manager secret holding the API key, read when the runtime starts (how the AgentCore container gets it). */
      apiKeySecretArn: z
        .string()
        .regex(/^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:.+$/, 'must be a Secrets Manager secret ARN')
        .optional(),
      /** When that secret is JSON: the field holding the key. */
      apiKeySecretJsonKey: z.string().min(1).optional(),
      /** The model sees the images users send (a vision model); false: it is only told they came, and where they are saved. */
      vision: z.boolean().default(true),
      /**
       * Models that answer, in order, when this one cannot: refused connections, timeouts, 5xx, 429 and 401/403 (once
       * every key is refused), a conversation too long for it. A request no model would take fails at once.
       */
      fallbacks: z.array(fallback).max(10).default([]),
      /** How long a model (or key) that failed is skipped; doubled for each failure in a row, up to an hour. */
      cooldownSeconds: z.number().int().min(1).max(3600).default(60),
      /** How hard the model thinks before answering, unless a conversation chose with /think; unset: the model's default. */
      thinking: z.enum(thinkingLevels).optional(),
      /** Dollars per million tokens by model name (input, output, cachedInput), over the built-in prices (src/usage/pricing.ts). */
      pricing,
    })
    .strict()
    .refine((m) => m.provider !== 'openai-compatible' || !m.baseUrl || m.name, { message: 'is required when model.baseUrl is set', path: ['name'] })
    .refine((m) => m.provider === 'openai-compatible' || m.name, { message: 'is required for this provider', path: ['name'] })
    .refine((m) => !keyNeeded(m), { message: 'is required for the anthropic provider (or apiKeySecretArn)', path: ['apiKey'] })
    .refine((m) => !m.fallbacks.length || m.provider !== 'openai-compatible' || m.baseUrl, {
      message: 'fallbacks need a configured model first (model.baseUrl and model.name)',
      path: ['fallbacks'],
    }),
);
