import { InvalidArgumentError, type Command } from 'commander';
import { readApprovalAudit } from '../../activities/approval-audit.js';
import { loadConfig } from '../../config/load.js';
import { approvalAuditFile } from '../../config/paths.js';
import { approvalEndingWords } from '../../contracts/approval-endings.js';
import { printJson, printTable } from '../output.js';

const count = (value: string): number => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 100_000) throw new InvalidArgumentError('a whole number, 1 to 100000');
  return n;
};

export function registerApprovals(program: Command): void {
  const approvals = program.command('approvals').description('approval requests: how each ended, who decided, when, and through what');
  approvals
    .command('log')
    .description('the audit log of approval requests (newest last): who asked, what, who decided, when and through which surface')
    .option('--json', 'print JSON')
    .option('--session <key>', 'one session only')
    .option('--limit <n>', 'the newest n only', count, 50)
    .action(async (options: { json?: boolean; session?: string; limit: number }) => {
      const config = loadConfig();
      const { records, unreadable } = await readApprovalAudit(approvalAuditFile(config.paths));
      const chosen = records.filter((r) => !options.session || r.sessionKey === options.session).slice(-options.limit);
      if (options.json) {
        printJson(chosen);
        return;
      }
      printTable(
        chosen.map((r) => ({
          ended: r.at,
          session: r.sessionKey,
          request: r.requestId,
          asked: r.requestedBy ?? '-',
          what: `${r.tool}: ${r.subject.length > 60 ? `${r.subject.slice(0, 59)}…` : r.subject}`,
          decision: approvalEndingWords[r.decision],
          by: r.decidedBy ?? '-',
          via: r.via,
          reminded: r.reminders,
          escalated: r.escalatedTo?.join(' ') ?? '-',
        })),
        '  no approval request has ended yet',
      );
      if (unreadable) process.stderr.write(`${unreadable} line(s) of ${approvalAuditFile(config.paths)} could not be read and were skipped\n`);
    });
}
