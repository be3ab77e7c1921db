import { appendFile, chmod, mkdir, readFile, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { approvalAuditRecordSchema, type ApprovalAuditActivities, type ApprovalAuditRecord } from '../contracts/approval-audit.js';

/**
 * The approvals audit log: a line of JSON per ended request, appended by the sessions worker, owner-only (0600). A
 * retried write may append a line twice; the reader keeps one per request.
 */
export function createApprovalAuditActivities(file: string): ApprovalAuditActivities {
  return {
    async recordApproval(record) {
      await mkdir(dirname(file), { recursive: true, mode: 0o700 });
      await appendFile(file, `${JSON.stringify(approvalAuditRecordSchema.parse(record))}\n`, { mode: 0o600 });
      await chmod(file, 0o600);
    },
  };
}

/** The log as `readApprovalAudit` reads it, read again only when the file changed (a page asking every few seconds). */
export function approvalAuditReader(file: string): () => Promise<{ records: ApprovalAuditRecord[]; unreadable: number }> {
  let last: { version: string; read: Promise<{ records: ApprovalAuditRecord[]; unreadable: number }> } | null = null;
  return async () => {
    const stats = await stat(file).catch(() => null);
    const version = stats ? `${stats.size}:${stats.mtimeMs}` : 'none';
    if (last?.version !== version) {
      const read = readApprovalAudit(file);
      // A read that failed is tried again next time, not kept.
      read.catch(() => (last?.read === read ? (last = null) : undefined));
      last = { version, read };
    }
    return last.read;
  };
}

/** The log, oldest first, one record per request (a line that does not parse is skipped and counted). */
export async function readApprovalAudit(file: string): Promise<{ records: ApprovalAuditRecord[]; unreadable: number }> {
  const text = await readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return '';
    throw error;
  });
  const byRequest = new Map<string, ApprovalAuditRecord>();
  let unreadable = 0;
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    let parsed;
    try {
      parsed = approvalAuditRecordSchema.safeParse(JSON.parse(line));
    } catch {
      parsed = null;
    }
    if (!parsed?.success) {
      unreadable += 1;
      continue;
    }
    const key = `${parsed.data.sessionKey}\u0000${parsed.data.requestId}\u0000${parsed.data.requestedAt}`;
    if (!byRequest.has(key)) byRequest.set(key, parsed.data);
  }
  return { records: [...byRequest.values()], unreadable };
}
