// Workflow-safe: how every layer words a zod refusal.
import type { z } from 'zod';

/** One line per problem, each naming its field (`messages.0.content: expected string`). */
export function describeZodError(error: z.ZodError, whole = 'message'): string {
  return error.issues.map((issue) => `${issue.path.length ? issue.path.join('.') : whole}: ${issue.message}`).join('; ');
}
