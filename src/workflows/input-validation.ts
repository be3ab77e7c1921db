// What a session checks its input with, loaded once per worker and shared by every session (see sharedModules in
// src/workers/workflow-bundle.ts). The SDK freezes what it shares, and zod finishes a schema on its first parse: the
// schemas used here are this module's own, built by the factories and never exported (only the functions are, and
// a frozen function is still a function), so every session parses with the same unfrozen schemas.
import { buildMessageSchemas } from './messages.js';

const schemas = buildMessageSchemas();

/** A session's start input (settings, carried state, a task). */
export function checkSessionInput(raw: unknown) {
  return schemas.sessionInputSchema.safeParse(raw);
}

/** A message for the session (the `inbound` signal, the `send` update). */
export function checkInboundMessage(raw: unknown) {
  return schemas.inboundMessageSchema.safeParse(raw);
}

/** An answer to an approval request (the `approval` signal). */
export function checkApprovalDecision(raw: unknown) {
  return schemas.approvalDecisionSchema.safeParse(raw);
}
