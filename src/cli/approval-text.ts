import type { ApprovalRequest } from '../workflows/messages.js';
import { cliCommand } from './cli-command.js';

/** A waiting approval as a person answers it: what would run, its id, and the three commands (one answer each). */
export function approvalText(sessionKey: string, request: ApprovalRequest): string {
  const cli = cliCommand();
  const always = request.ownerOnly ? '' : `  always:      ${cli} approve ${sessionKey} ${request.requestId} --always\n`;
  return (
    `The agent asks to run (${request.tool}): ${request.subject}\n` +
    `  allow once:  ${cli} approve ${sessionKey} ${request.requestId}\n` +
    always +
    `  deny:        ${cli} approve ${sessionKey} ${request.requestId} --deny\n` +
    `  (unanswered by ${request.expiresAt}: not run)\n`
  );
}
