import type { Client } from '@temporalio/client';
import { awaitingApprovalQuery } from '../contracts/search-attribute-names.js';
import { sessionKeyOfWorkflowId } from '../contracts/session-key.js';
import type { ApprovalRequest } from '../workflows/messages.js';
import { byRecentActivity, latestSessionRuns, pendingApprovals, summarize, type SessionClientConfig, type SessionSummary } from './session-client.js';

/** A waiting request to run something, with the session it belongs to. */
export interface WaitingApproval extends ApprovalRequest {
  sessionKey: string;
}

/**
 * Sessions as Temporal's index has them, without asking each session (what a page that refreshes every few seconds
 * lists): one row per session, its latest run, at most `limit` of them (the most recently started first), sorted by
 * last activity. A busy session's turn count may lag by up to `session.listRefreshSeconds`; a session waiting for
 * approval shows at once.
 */
export async function indexedSessions(client: Client, limit = 2000): Promise<SessionSummary[]> {
  return (await latestSessionRuns(client, limit)).map(summarize).sort(byRecentActivity);
}

/** Every request waiting for an answer, in every session that waits (the index finds them; each session says what it waits for). */
export async function waitingApprovals(client: Client, config: SessionClientConfig): Promise<WaitingApproval[]> {
  const waiting: string[] = [];
  for await (const info of client.workflow.list({ query: awaitingApprovalQuery })) waiting.push(sessionKeyOfWorkflowId(info.workflowId));
  const perSession = await Promise.all(
    waiting.map(async (sessionKey) =>
      (await pendingApprovals(client, config, sessionKey).catch(() => [] as ApprovalRequest[])).map((request) => ({ ...request, sessionKey })),
    ),
  );
  return perSession.flat().sort((a, b) => a.requestedAt.localeCompare(b.requestedAt));
}
