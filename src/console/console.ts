import type { Client } from '@temporalio/client';
import { approvalAuditReader } from '../activities/approval-audit.js';
import type { ClawflowConfig } from '../config/load.js';
import { approvalAuditFile, connectorFiles, usageLedgerFile } from '../config/paths.js';
import { installSecret } from '../config/secrets.js';
import { scheduleTimeZone } from '../config/time-zone.js';
import { PairingStore } from '../connectors/inbound/pairing-store.js';
import type {
  ConsoleChannel,
  ConsoleCheck,
  ConsoleConfig,
  ConsoleFeed,
  ConsoleSchedules,
  ConsoleSessionDetail,
  ConsoleUsage,
} from '../contracts/console-feed.js';
import { SessionKeyError, sessionWorkflowIdPrefix } from '../contracts/session-key.js';
import type { ListeningServer } from '../http/listen.js';
import { processLog } from '../log-ring.js';
import type { Logger } from '../logger.js';
import { ScheduleClient } from '../schedules/schedule-client.js';
import { repairSession } from '../session-client/repair.js';
import { answerApproval, deliverInbound, sendMessage, stopTurn } from '../session-client/session-client.js';
import { indexedSessions, waitingApprovals } from '../session-client/session-index.js';
import { UsageLedger } from '../usage/usage-ledger.js';
import { consoleAssets } from './console-assets.js';
import { consoleChannels } from './console-channels.js';
import { ConsoleConfigFile } from './console-config.js';
import { ConsoleFeedHub } from './console-feed.js';
import { answerPairing, waitingStrangers } from './console-pairing.js';
import { addJob, changeJob, consoleSchedules } from './console-schedules.js';
import { startConsoleServer } from './console-server.js';
import { sessionDetail } from './console-session.js';
import { consoleUsage } from './console-usage.js';

/** How many ended approval requests the Approvals page shows (the audit log keeps them all). */
const recentDecisions = 20;
/** How often the console reads the sessions while a page is open. */
const feedIntervalMs = 2000;
/** How often it checks the stack while the status page is open (each check may wait seconds for an answer). */
const statusIntervalMs = 10_000;

const answered = { once: 'Allowed once', always: 'Allowed from now on in this session', deny: 'Denied' } as const;

/**
 * The owner's console for this install: its page, a live feed of the sessions and what waits for an answer, and the
 * owner's actions, through `client`. `webUiOrigin`: the Temporal Web UI this stack serves, for links to workflows.
 */
export async function startConsole(options: {
  config: ClawflowConfig;
  client: Client;
  logger: Logger;
  webUiOrigin: string | null;
  /** The stack's checks, as `clawflow status` makes them (given by whoever runs the console: they know the stack). */
  checkStack: () => Promise<ConsoleCheck[]>;
  port?: number;
  /** The environment `config` was loaded with (its settings win over the file's). */
  env?: NodeJS.ProcessEnv;
}): Promise<ListeningServer> {
  const { config, client, logger } = options;
  const workflowLinkPrefix = options.webUiOrigin
    ? `${options.webUiOrigin}/namespaces/${encodeURIComponent(config.temporal.namespace)}/workflows/${encodeURIComponent(sessionWorkflowIdPrefix)}`
    : null;
  // Strangers who asked to pair: the connector's store, on this machine.
  const pairing = new PairingStore(connectorFiles(config.paths.home).pairing, (message) => logger.warn(message));
  // The approvals audit log, read again only when it changed.
  const readAudit = approvalAuditReader(approvalAuditFile(config.paths));
  const feed = new ConsoleFeedHub<ConsoleFeed>(
    async () => {
      const [sessions, approvals, audit] = await Promise.all([indexedSessions(client), waitingApprovals(client, config), readAudit()]);
      const decided = audit.records.slice(-recentDecisions).reverse();
      return { sessions, approvals, decided, pairing: waitingStrangers(pairing), workflowLinkPrefix };
    },
    feedIntervalMs,
    logger.child({ feed: 'sessions' }),
  );
  const schedules = new ScheduleClient(client, config);
  const timeZone = scheduleTimeZone(config);
  const schedulesFeed = new ConsoleFeedHub<ConsoleSchedules>(() => consoleSchedules(schedules, timeZone), feedIntervalMs, logger.child({ feed: 'schedules' }));
  // What the agents used: the ledger the workers write on this machine.
  const ledger = new UsageLedger(usageLedgerFile(config.paths), timeZone, config.model.pricing);
  const usageFeed = new ConsoleFeedHub<ConsoleUsage>(async () => consoleUsage(ledger, config), feedIntervalMs, logger.child({ feed: 'usage' }));
  const statusFeed = new ConsoleFeedHub<ConsoleCheck[]>(options.checkStack, statusIntervalMs, logger.child({ feed: 'status' }));
  // The channels as the connector on this machine reports them (connectors/status.json, written every 2 s).
  const channelsFeed = new ConsoleFeedHub<ConsoleChannel[]>(async () => consoleChannels(config), feedIntervalMs, logger.child({ feed: 'channels' }));
  // The configuration file, against the configuration this console (and the stack it runs in) started with.
  const configFile = new ConsoleConfigFile(config, options.env);
  const configFeed = new ConsoleFeedHub<ConsoleConfig>(async () => configFile.view(), feedIntervalMs, logger.child({ feed: 'config' }));
  // One feed per session open in a page, gone when its last page is.
  const sessionFeeds = new Map<string, ConsoleFeedHub<ConsoleSessionDetail | null>>();
  const sessionFeed = (sessionKey: string): ConsoleFeedHub<ConsoleSessionDetail | null> => {
    let hub = sessionFeeds.get(sessionKey);
    if (!hub) {
      hub = new ConsoleFeedHub(
        () =>
          sessionDetail(client, config, sessionKey).catch((error: unknown) => {
            // A key that is not one is no session: the page says so.
            if (error instanceof SessionKeyError) return null;
            throw error;
          }),
        feedIntervalMs,
        logger.child({ feed: 'session' }),
        () => sessionFeeds.delete(sessionKey),
      );
      sessionFeeds.set(sessionKey, hub);
    }
    return hub;
  };
  const server = await startConsoleServer({
    host: '127.0.0.1',
    port: options.port ?? config.console.port,
    key: installSecret(config.paths.home, 'console-token'),
    allowedHosts: config.console.allowedHosts,
    allowedOrigins: config.console.allowedOrigins,
    assets: await consoleAssets(),
    feed,
    sessionFeed,
    schedulesFeed,
    usageFeed,
    statusFeed,
    channelsFeed,
    configFeed,
    log: { ring: processLog, level: config.log.level },
    actions: {
      answerApproval: async (answer) => {
        // The console is the owner's: what only the agent's owner may allow, they may.
        const request = await answerApproval(client, config, answer.sessionKey, {
          requestId: answer.requestId,
          decision: answer.decision,
          byAgentOwner: true,
          by: 'console',
          via: 'console',
        });
        return `${answered[answer.decision]}: ${request.subject}`;
      },
      answerPairing: (answer) => answerPairing(pairing, answer),
      sendAsOwner: async ({ sessionKey, text }) => {
        // The owner's own message: it may run the chat commands (/new, /stop) and change the agent's instructions.
        const message = { text, sender: 'owner (console)', fromOwner: true, fromAgentOwner: true };
        if (text.trimStart().startsWith('/')) {
          // A chat command's answer is no turn of the transcript (a chat sends it back): here it is the outcome.
          const reply = await sendMessage(client, config, sessionKey, message);
          void sessionFeeds.get(sessionKey)?.refresh();
          return `${text.trim().split(/\s/)[0]}: ${reply.text}`;
        }
        await deliverInbound(client, config, sessionKey, message);
        void sessionFeeds.get(sessionKey)?.refresh();
        return `Sent to ${sessionKey}`;
      },
      addJob: async (job) => {
        const message = await addJob(schedules, job, timeZone);
        void schedulesFeed.refresh();
        return message;
      },
      changeJob: async (change) => {
        const message = await changeJob(schedules, change);
        void schedulesFeed.refresh();
        return message;
      },
      stopTurn: async ({ sessionKey }) =>
        (await stopTurn(client, config, sessionKey)) ? `Stopped the turn ${sessionKey} was running` : `${sessionKey} was not running a turn`,
      repairSession: async ({ sessionKey }) => {
        const report = await repairSession(client, config, sessionKey);
        void sessionFeeds.get(sessionKey)?.refresh();
        return `Repaired ${report.sessionKey} (it was stuck: ${report.reason}): it goes on from turn ${report.lastTurn}, ${report.requeued} unanswered message(s) queued again`;
      },
      saveConfig: async (save) => {
        try {
          return await configFile.save(save);
        } finally {
          void configFeed.refresh();
        }
      },
    },
    logger,
  });
  return {
    url: server.url,
    close: async () => {
      feed.stop();
      schedulesFeed.stop();
      usageFeed.stop();
      statusFeed.stop();
      channelsFeed.stop();
      configFeed.stop();
      for (const hub of sessionFeeds.values()) hub.stop();
      await server.close();
    },
  };
}
