import { appendFileSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { approvalAuditReader, createApprovalAuditActivities, readApprovalAudit } from '../../src/activities/approval-audit.js';
import type { ApprovalAuditRecord } from '../../src/contracts/approval-audit.js';

const record = (requestId: string, decision: ApprovalAuditRecord['decision']): ApprovalAuditRecord => ({
  at: '2026-12-07T10:00:00.000Z',
  sessionKey: 'main:telegram:42',
  requestId,
  tool: 'exec',
  subject: `echo ${requestId}`,
  requestedAt: '2026-12-07T09:00:00.000Z',
  decision,
  via: decision === 'expired' ? 'deadline' : 'cli',
  reminders: 0,
});

describe('the approvals audit log', () => {
  const dir = mkdtempSync(join(tmpdir(), 'clawflow-audit-'));
  const file = join(dir, 'approvals', 'audit.jsonl');
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('keeps one record per request (a retried write), skips and counts a torn line, and is the owner’s alone', async () => {
    const { recordApproval } = createApprovalAuditActivities(file);
    await recordApproval(record('aaaaaa', 'once'));
    await recordApproval(record('aaaaaa', 'once'));
    appendFileSync(file, '{"at": "torn\n');
    await recordApproval(record('bbbbbb', 'expired'));
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const { records, unreadable } = await readApprovalAudit(file);
    expect(records.map((r) => [r.requestId, r.decision])).toEqual([
      ['aaaaaa', 'once'],
      ['bbbbbb', 'expired'],
    ]);
    expect(unreadable).toBe(1);
  });

  it('is read again only when the file changed', async () => {
    const read = approvalAuditReader(file);
    const first = await read();
    expect(await read()).toBe(first);
    await createApprovalAuditActivities(file).recordApproval(record('cccccc', 'deny'));
    const after = await read();
    expect(after).not.toBe(first);
    expect(after.records.map((r) => r.requestId)).toEqual(['aaaaaa', 'bbbbbb', 'cccccc']);
    expect(await approvalAuditReader(join(dir, 'none.jsonl'))()).toEqual({ records: [], unreadable: 0 });
  });
});
