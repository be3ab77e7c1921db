import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApprovalAuditRecord } from '../../src/contracts/approval-audit.js';
import { toolThenReport } from '../helpers/fake-model.js';
import { FakeTelegram } from '../helpers/fake-telegram.js';
import { namespaceForFile } from '../helpers/namespace.js';
import { runCli } from '../helpers/processes.js';
import { TestStack } from '../helpers/test-stack.js';

const owner = { id: 42, first_name: 'Ada' };
const deputy = { id: 43, first_name: 'Grace' };

/** The model asks to run `command`, then answers with what the tool said. */
const runThenReport = (command: string) => toolThenReport('exec', { command });

/**
 * Approvals that wait for their owner (on seconds here, hours by default): the request is reminded in its chat,
 * escalated to another owner's chat, which may answer it, and denied at its end with the chats told; every ending is
 * in the audit log (`clawflow approvals log`). Real Telegram connector (grammY) against a local Bot API server.
 */
describe('approvals that remind, escalate, expire and are audited', () => {
  const telegram = new FakeTelegram();
  let stack: TestStack;
  let workspace: string;

  beforeAll(async () => {
    await telegram.start();
    stack = await TestStack.start({
      namespace: namespaceForFile(import.meta.url),
      config: {
        channels: { telegram: { apiRoot: telegram.apiRoot, allowFrom: [String(owner.id), String(deputy.id)], pollTimeoutSeconds: 1 } },
        tools: { exec: { policy: 'ask', sandbox: 'none', approvalTtl: '14s' } },
        approvals: { remindEvery: '5s', escalateAfter: '7s', escalateTo: [`telegram:${deputy.id}`] },
      },
      env: { CLAWFLOW_TELEGRAM_BOT_TOKEN: '123456:TEST-token' },
    });
    workspace = stack.config.paths.workspaceDir;
    await stack.startWorker();
    await stack.startConnector();
  });
  afterAll(async () => {
    await stack?.stop();
    await telegram.stop();
  });

  const auditLog = async (): Promise<ApprovalAuditRecord[]> => {
    const printed = await runCli(['approvals', 'log', '--json'], stack.env);
    expect(printed.code, printed.output).toBe(0);
    return JSON.parse(printed.output) as ApprovalAuditRecord[];
  };

  it('reminds the chat, escalates to the deputy, and denies at its end with both told; the model hears it expired', { timeout: 90_000 }, async () => {
    stack.model.setReply(runThenReport('echo never > never.txt'));
    telegram.userMessage(owner, 'please write never.txt');
    await expect
      .poll(() => telegram.textsTo(owner.id).some((t) => t.startsWith("I'd like to run (exec):\necho never > never.txt")), { timeout: 30_000 })
      .toBe(true);
    const requestId = /\/approve (\S+) to allow/.exec(telegram.textsTo(owner.id).find((t) => t.startsWith("I'd like to run"))!)![1]!;
    // The end: the expiry notice in both chats, then the model's answer (it was told the request expired).
    await expect.poll(() => telegram.textsTo(owner.id).some((t) => t.startsWith('tool said:')), { timeout: 40_000 }).toBe(true);
    const toOwner = telegram.textsTo(owner.id);
    const toDeputy = telegram.textsTo(deputy.id);
    expect(toOwner.filter((t) => t.startsWith('Still waiting for your answer (exec):\necho never > never.txt'))).toHaveLength(2);
    expect(toOwner.find((t) => t.startsWith('Still waiting'))).toContain(`Reply /approve ${requestId} to allow it once`);
    expect(toDeputy[0]).toMatch(new RegExp(`^main:telegram:${owner.id} has waited \\d+s for an approval \\(exec\\):\\necho never > never.txt\\n`));
    expect(toDeputy[0]).toContain(`/approve ${requestId} main:telegram:${owner.id}`);
    // The reminder at 10 s reaches the deputy too, with the words that answer from there.
    expect(toDeputy.filter((t) => t.startsWith('Still waiting') && t.includes(`/deny ${requestId} main:telegram:${owner.id}`))).toHaveLength(1);
    const expired = `Approval ${requestId} expired after 14s without an answer: denied, not run (exec):\necho never > never.txt`;
    expect(toOwner).toContain(expired);
    expect(toDeputy).toContain(expired);
    expect(toOwner.at(-1)).toBe('tool said: Error: no answer from the user within 14s: the request expired, denied; not run: echo never > never.txt');
    expect(existsSync(join(workspace, 'never.txt'))).toBe(false);
    expect((await auditLog()).find((r) => r.requestId === requestId)).toMatchObject({
      sessionKey: `main:telegram:${owner.id}`,
      tool: 'exec',
      subject: 'echo never > never.txt',
      requestedBy: owner.first_name,
      decision: 'expired',
      via: 'deadline',
      reminders: 2,
      escalatedTo: [`telegram:${deputy.id}`],
    });
  });

  it('lets the deputy answer an escalated request from their own chat, and logs who answered and through what', { timeout: 90_000 }, async () => {
    stack.model.setReply(runThenReport('echo yes > yes.txt'));
    const before = telegram.textsTo(deputy.id).length;
    telegram.userMessage(owner, 'please write yes.txt');
    await expect
      .poll(
        () =>
          telegram
            .textsTo(deputy.id)
            .slice(before)
            .some((t) => t.includes('has waited')),
        { timeout: 30_000 },
      )
      .toBe(true);
    const escalation = telegram
      .textsTo(deputy.id)
      .slice(before)
      .find((t) => t.includes('has waited'))!;
    const answer = /(\/approve \S+ \S+) to allow/.exec(escalation)![1]!;
    telegram.userMessage(deputy, answer);
    await expect.poll(() => telegram.textsTo(owner.id).some((t) => t.startsWith('tool said: exit code 0')), { timeout: 30_000 }).toBe(true);
    expect(existsSync(join(workspace, 'yes.txt'))).toBe(true);
    expect(telegram.textsTo(deputy.id).at(-1)).toBe('Allowed once: echo yes > yes.txt');
    const requestId = answer.split(' ')[1]!;
    expect((await auditLog()).find((r) => r.requestId === requestId)).toMatchObject({
      decision: 'once',
      decidedBy: `telegram:${deputy.id}`,
      via: 'chat',
      escalatedTo: [`telegram:${deputy.id}`],
    });
    // Answered through the CLI, the log says so.
    stack.model.setReply(runThenReport('echo cli > cli.txt'));
    telegram.userMessage(owner, 'please write cli.txt');
    await expect
      .poll(() => telegram.textsTo(owner.id).some((t) => t.startsWith("I'd like to run (exec):\necho cli > cli.txt")), { timeout: 30_000 })
      .toBe(true);
    const cliId = /\/approve (\S+) to allow/.exec(telegram.textsTo(owner.id).findLast((t) => t.startsWith("I'd like to run"))!)![1]!;
    const denied = await runCli(['approve', `main:telegram:${owner.id}`, cliId, '--deny'], stack.env);
    expect(denied.code, denied.output).toBe(0);
    await expect
      .poll(async () => (await auditLog()).find((r) => r.requestId === cliId), { timeout: 30_000 })
      .toMatchObject({
        decision: 'deny',
        decidedBy: expect.stringMatching(/^cli:/),
        via: 'cli',
      });
    const table = await runCli(['approvals', 'log', '--session', `main:telegram:${owner.id}`], stack.env);
    expect(table.output).toMatch(/ENDED +SESSION +REQUEST +ASKED +WHAT +DECISION +BY +VIA +REMINDED +ESCALATED/);
    expect(table.output).toContain('expired (denied)');
    expect(table.output).toContain('allowed once');
  });
});
