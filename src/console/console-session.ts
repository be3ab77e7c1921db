import type { Client } from '@temporalio/client';
import type { ClawflowConfig } from '../config/load.js';
import type { ConsoleSessionDetail, ConsoleTranscriptEntry } from '../contracts/console-feed.js';
import type { TranscriptEntry } from '../contracts/session-records.js';
import { sessionWorkflowId } from '../contracts/session-key.js';
import { describeSession, resolveKey } from '../session-client/session-client.js';
import { stuckSession } from '../session-client/stuck.js';
import { costOf, priceOf } from '../usage/pricing.js';
import { addUsage, noUsage } from '../usage/usage-ledger.js';

/** The latest entries a session page shows (older ones stay in `clawflow sessions show`). */
const shownEntries = 200;
/** A tool's input or output longer than this is cut (the transcript keeps what the model saw). */
const shownChars = 4000;

const cut = (text: string): string => (text.length > shownChars ? `${text.slice(0, shownChars)}… (${text.length - shownChars} more characters)` : text);

/** What an answer cost by these prices; null when its model has none. */
function costOfAnswer(entry: TranscriptEntry, pricing: ClawflowConfig['model']['pricing']): number | null {
  const price = entry.model ? priceOf(entry.model, pricing) : null;
  return price && entry.usage ? costOf(entry.usage, price) : null;
}

function shown(entry: TranscriptEntry, pricing: ClawflowConfig['model']['pricing']): ConsoleTranscriptEntry {
  const calls = (entry.steps ?? []).flatMap((step) =>
    step.calls.map((call) => ({ name: call.name, input: cut(JSON.stringify(call.input, null, 2)), output: cut(call.output), isError: call.isError })),
  );
  return {
    turn: entry.turn,
    role: entry.role,
    text: entry.text,
    at: entry.at,
    ...(entry.sender ? { sender: entry.sender } : {}),
    ...(entry.model ? { model: entry.model } : {}),
    ...(entry.usage ? { usage: { inputTokens: entry.usage.inputTokens, outputTokens: entry.usage.outputTokens }, usd: costOfAnswer(entry, pricing) } : {}),
    ...(calls.length ? { calls } : {}),
    ...(entry.reset ? { reset: true } : {}),
  };
}

/**
 * A session as its console page shows it: the transcript store completed with what the session answered but has not
 * written yet, and its live status (the stored transcript alone when the session cannot answer in 2 s). Null: no such
 * session.
 */
export async function sessionDetail(client: Client, config: ClawflowConfig, sessionKey: string): Promise<ConsoleSessionDetail | null> {
  const view = await describeSession(client, config, sessionKey, { storedIfUnreachable: true });
  if (!view) return null;
  const latest = view.transcript.slice(-shownEntries);
  // A session that did not answer may be stuck (its workflow task failing): the page offers to repair it.
  const used = noUsage();
  for (const entry of view.transcript) if (entry.usage) addUsage(used, { ...entry.usage, usd: costOfAnswer(entry, config.model.pricing) });
  const stuck = view.status ? null : await stuckSession(client, sessionWorkflowId(resolveKey(config, sessionKey))).catch(() => null);
  return {
    sessionKey: view.sessionKey,
    status: view.status?.status ?? null,
    stuck: stuck?.reason ?? null,
    transcript: latest.map((entry) => shown(entry, config.model.pricing)),
    earlier: view.transcript.length - latest.length,
    used,
  };
}
