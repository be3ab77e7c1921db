// Workflow-safe: how every layer words a zod refusal.
import type { z } from 'zod';

/** One line per problem, each naming its field (`messages.0.content: expected string`). */
export function describeZodError(error: z.ZodError, whole = 'message'): string {
  return error.issues.map((issue) => `${issue.path.length ? issue.path.join('.') : whole}: ${ownMessage(issue)}`).join('; ');
}

/** A record key that failed says why in its own issue ("Invalid key in record" alone names no rule). */
function ownMessage(issue: z.core.$ZodIssue): string {
  return issue.code === 'invalid_key' && issue.issues[0]
    ? `the name ${JSON.stringify(issue.path.at(-1))} is not allowed: ${issue.issues[0].message}`
    : issue.message;
}
