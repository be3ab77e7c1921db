import type { ApprovalAuditRecord } from './approval-audit.js';

/** How an approval request ended, in the words `clawflow approvals log` and the console's Approvals page use. */
export const approvalEndingWords: Record<ApprovalAuditRecord['decision'], string> = {
  once: 'allowed once',
  always: 'allowed always',
  deny: 'denied',
  expired: 'expired (denied)',
  withdrawn: 'withdrawn (the turn was stopped)',
};
