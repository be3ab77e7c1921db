import { z } from 'zod';

/** How an approval request ended. */
export const approvalEndings = ['once', 'always', 'deny', 'expired', 'withdrawn'] as const;

/** One line of the approvals audit log: a request, and who ended it, when and through what. */
export const approvalAuditRecordSchema = z.object({
  /** When it ended. */
  at: z.string(),
  sessionKey: z.string(),
  requestId: z.string(),
  tool: z.string(),
  /** What would run (the command line, the file). */
  subject: z.string(),
  requestedAt: z.string(),
  /** Who sent the message the agent was answering when it asked (a chat's sender id; absent: the CLI or the API). */
  requestedBy: z.string().optional(),
  decision: z.enum(approvalEndings),
  /** Who decided: "telegram:12345", the CLI's user, "console"; absent when the deadline or a stop ended it. */
  decidedBy: z.string().optional(),
  via: z.enum(['chat', 'cli', 'console', 'api', 'deadline', 'stop']),
  /** Reminders sent while it waited, and the chats it was escalated to. */
  reminders: z.number().int().min(0),
  escalatedTo: z.array(z.string()).optional(),
});

export type ApprovalAuditRecord = z.infer<typeof approvalAuditRecordSchema>;

/** Written by the sessions worker (a local activity): the log is on the machine that runs the sessions. */
export interface ApprovalAuditActivities {
  recordApproval(record: ApprovalAuditRecord): Promise<void>;
}
