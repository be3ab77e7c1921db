// An image that came with a message, as every layer refers to it (the session's messages, the runtime's invocation).
// Workflow-safe, and apart from the runtime's contract so that a session builds only the schemas it parses.
import { z } from 'zod';

/** Image types every vision provider takes (OpenAI-compatible, Anthropic, Bedrock Converse). */
export const visionMimeTypes = ['image/jpeg', 'image/png', 'image/gif', 'image/webp'] as const;

/** Most images one message shows the model; more are named in its text only. */
export const maxImagesPerMessage = 8;

/** The schemas of this file, built afresh with their own parts: the sessions' input checks own theirs (src/workflows/input-validation.ts). */
export function buildImageRefSchemas() {
  /**
   * An image that came with a message, by reference: where it lies in the workspace on the tools host. The bytes never
   * travel through Temporal; the agent activity adds a short-lived `url` the runtime fetches them from.
   */
  const imageRefSchema = z
    .object({
      path: z.string().min(1).max(500),
      mimeType: z.enum(visionMimeTypes),
      url: z
        .url({ protocol: /^https?$/ })
        .max(2_000)
        .optional(),
    })
    .strict();
  return { imageRefSchema };
}

export type ImageRef = z.infer<typeof imageRefSchema>;

/** The schemas as every other module uses them (the sessions' input checks build their own: src/workflows/input-validation.ts). */
export const { imageRefSchema } = buildImageRefSchemas();
