import type { Command } from 'commander';
import { cliCommand } from '../cli-command.js';
import { loadConfig } from '../../config/load.js';
import { defaultAgentId } from '../../config/agents.js';
import { formatSessionKey, parseSessionKey } from '../../contracts/session-key.js';
import { approvalText } from '../approval-text.js';
import { printJson, printTable } from '../output.js';
import { failoverNote } from '../../contracts/failover-words.js';

export function registerSessions(program: Command): void {
  const sessions = program.command('sessions').description('list and read sessions');

  sessions
    .command('list')
    .description('every session: key, channel, last activity, turns, status')
    .option('--json', 'print JSON')
    .action(async (options: { json?: boolean }) => {
      const config = loadConfig();
      const { listSessionsOverHttp } = await import('../../session-client/session-list-http.js');
      const rows =
        (await listSessionsOverHttp(config)) ??
        (await (async () => {
          const { withClient } = await import('../../temporal/connection.js');
          const { listSessions } = await import('../../session-client/session-client.js');
          return withClient(config, (client) => listSessions(client));
        })());
      if (options.json) return printJson(rows);
      printTable(
        rows.map((r) => ({ key: r.sessionKey, channel: r.channel, lastActivity: r.lastActivity ?? '-', turns: r.turns, status: r.status })),
        `No sessions yet. Start one with: ${cliCommand()} send main:cli:me "hello"`,
      );
      for (const row of rows.filter((r) => r.problem)) {
        process.stdout.write(
          `\n${row.sessionKey} is stuck: ${row.problem}\n  Move it onto this version with: ${cliCommand()} sessions repair ${row.sessionKey}\n`,
        );
      }
    });

  sessions
    .command('show')
    .description("a session's transcript")
    .argument('<session-key>', '<agent>:<channel>:<chat>, or a bare name for <agent>:cli:<name>')
    .option('--json', 'print JSON')
    .action(async (keyText: string, options: { json?: boolean }) => {
      const config = loadConfig();
      const { describeSessionOverHttp } = await import('../../session-client/session-show-http.js');
      const fast = await describeSessionOverHttp(config, keyText);
      const view = fast
        ? fast.view
        : await (async () => {
            const { withClient } = await import('../../temporal/connection.js');
            const { describeSession } = await import('../../session-client/session-client.js');
            return withClient(config, (client) => describeSession(client, config, keyText));
          })();
      const sessionKey = formatSessionKey(parseSessionKey(keyText, defaultAgentId(config)));
      if (!view) throw new Error(`No session ${sessionKey}. \`${cliCommand()} sessions list\` shows the sessions there are.`);
      if (options.json) return printJson(view);
      const { status, transcript } = view;
      process.stdout.write(`Session ${sessionKey}${status ? ` — ${status.status}, ${status.turns} turn(s), ${status.queued} queued` : ' — not running'}\n\n`);
      for (const entry of transcript) {
        const who =
          entry.role === 'user'
            ? (entry.sender ?? 'user')
            : entry.role === 'assistant'
              ? entry.failovers?.length
                ? `agent (${failoverNote(entry.model ?? 'another model', entry.failovers)})`
                : 'agent'
              : entry.role === 'summary'
                ? `summary of turns through ${entry.throughTurn}`
                : 'error';
        process.stdout.write(`[${entry.at}] #${entry.turn} ${who}: ${entry.text}\n`);
      }
      // What waits for an answer, and how to give it.
      for (const request of status?.pendingApprovals ?? []) process.stdout.write(`\n${approvalText(sessionKey, request)}`);
    });

  sessions
    .command('repair')
    .description('move a stuck session onto this version of ClawFlow, from its transcript and its last good state')
    .argument('<session-key>', 'the stuck session')
    .option('--force', 'repair it even if it is not stuck')
    .option('--json', 'print JSON')
    .action(async (keyText: string, options: { force?: boolean; json?: boolean }) => {
      const config = loadConfig();
      const { withClient } = await import('../../temporal/connection.js');
      const { repairSession } = await import('../../session-client/repair.js');
      const report = await withClient(config, (client) => repairSession(client, config, keyText, options.force ?? false));
      if (options.json) return printJson(report);
      process.stdout.write(
        `Repaired ${report.sessionKey} (it was stuck: ${report.reason}).\n` +
          `  It goes on from turn ${report.lastTurn}; ${report.requeued} unanswered message(s) queued again, ${report.redelivered} answer(s) delivered again where the delivery had not finished.\n`,
      );
    });
}
