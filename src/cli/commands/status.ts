import type { Command } from 'commander';
import { loadConfig } from '../../config/load.js';
import { approvalText } from '../approval-text.js';
import { printJson } from '../output.js';

export function registerStatus(program: Command): void {
  program
    .command('status')
    .description('one screen: Temporal, workers, runtime, channels, sessions active today, approvals waiting, next schedule firings')
    .option('--json', 'print JSON')
    .action(async (options: { json?: boolean }) => {
      const config = loadConfig();
      // The local stack (no TEMPORAL_ADDRESS) is down: said first and plainly, instead of zeros that look like data.
      const { assertStackRunning } = await import('../../temporal/connection.js');
      const down = await assertStackRunning(config).then(
        () => null,
        (error: Error) => error.message,
      );
      if (down) {
        if (options.json) printJson({ running: false, reason: down });
        else process.stdout.write(`${down}\n`);
        process.exitCode = 1;
        return;
      }
      const [{ stackFindings }, { listSessionsOverHttp }, { listJobsOverHttp }] = await Promise.all([
        import('../../stack/doctor.js'),
        import('../../session-client/session-list-http.js'),
        import('../../schedules/schedule-list-http.js'),
      ]);
      // The dev server's HTTP API when this state dir's stack runs one (read while the stack is checked); otherwise,
      // or if it cannot say, the gRPC client.
      const quick = Promise.all([listSessionsOverHttp(config), listJobsOverHttp(config)]);
      const findings = await stackFindings(config);
      const reachable = findings.find((f) => f.check === 'temporal')?.verdict === 'ok';
      const today = new Date().toISOString().slice(0, 10);
      const readQuickly = async () => {
        const [sessions, jobs] = await quick;
        return sessions && jobs ? { sessions, jobs } : null;
      };
      const readOverGrpc = async () => {
        const [{ listSessions }, { ScheduleClient }, { withClient }] = await Promise.all([
          import('../../session-client/session-client.js'),
          import('../../schedules/schedule-client.js'),
          import('../../temporal/connection.js'),
        ]);
        return withClient(config, async (client) => ({ sessions: await listSessions(client), jobs: await new ScheduleClient(client, config).list() }));
      };
      const { sessions, jobs } = reachable ? ((await readQuickly()) ?? (await readOverGrpc())) : { sessions: [], jobs: [] };
      const active = sessions.filter((s) => s.lastActivity?.startsWith(today));
      const waiting = sessions.filter((s) => s.status === 'awaiting-approval').map((s) => s.sessionKey);
      const stuck = sessions.filter((s) => s.status === 'stuck').map((s) => s.sessionKey);
      const next = jobs
        .filter((j) => !j.paused && j.nextRuns[0])
        .sort((a, b) => a.nextRuns[0]!.localeCompare(b.nextRuns[0]!))
        .slice(0, 5);
      // What each waiting session asks, with its id: the same quick read as `sessions show` (the first ten sessions).
      const requests = (
        await Promise.all(
          waiting.slice(0, 10).map(async (key) => {
            const { describeSessionOverHttp } = await import('../../session-client/session-show-http.js');
            const fast = await describeSessionOverHttp(config, key);
            const pending = fast
              ? (fast.view?.status?.pendingApprovals ?? [])
              : await (async () => {
                  const [{ pendingApprovals }, { withClient }] = await Promise.all([
                    import('../../session-client/session-client.js'),
                    import('../../temporal/connection.js'),
                  ]);
                  return withClient(config, (client) => pendingApprovals(client, config, key)).catch(() => []);
                })();
            return pending.map((request) => ({ sessionKey: key, request }));
          }),
        )
      ).flat();
      const summary = {
        running: true,
        stack: findings.map(({ check, verdict, detail }) => ({ check, verdict, detail })),
        sessions: {
          total: sessions.length,
          activeToday: active.length,
          running: sessions.filter((s) => s.status === 'running').length,
          stuck,
          awaitingApproval: waiting,
        },
        approvals: requests.map(({ sessionKey, request }) => ({
          sessionKey,
          requestId: request.requestId,
          tool: request.tool,
          subject: request.subject,
          expiresAt: request.expiresAt,
        })),
        nextFirings: next.map((j) => ({ name: j.name, kind: j.kind, at: j.nextRuns[0]!, note: j.note })),
      };
      if (options.json) return printJson(summary);
      const lines = [
        ...summary.stack.map((f) => `${f.verdict === 'ok' ? 'ok  ' : f.verdict === 'warn' ? 'warn' : 'FAIL'} ${f.check}: ${f.detail}`),
        '',
        `Sessions: ${sessions.length} (${active.length} active today, ${summary.sessions.running} answering now)`,
        `Approvals waiting: ${waiting.length ? waiting.join(', ') : 'none'}`,
        ...requests.map(({ sessionKey, request }) => `  ${sessionKey}: ${approvalText(sessionKey, request).trimEnd().replaceAll('\n', '\n  ')}`),
        ...(stuck.length ? [`Stuck: ${stuck.join(', ')} (clawflow sessions repair <key>)`] : []),
        `Next firings: ${next.length ? '' : 'none (clawflow cron list, clawflow heartbeat show)'}`,
        ...next.map((j) => `  ${j.nextRuns[0]}  ${j.kind === 'heartbeat' ? 'heartbeat' : j.name}: ${j.note}`),
      ];
      process.stdout.write(`${lines.join('\n')}\n`);
      if (!reachable) process.exitCode = 1;
    });
}
