import { log } from '@temporalio/workflow';
import type { WorkspaceContext } from '../../contracts/activities.js';
import type { TranscriptEntry } from '../../contracts/session-records.js';
import type { QueuedMessage } from '../messages.js';
import { windowToHistory } from './context-window.js';
import type { SessionActivities } from './activities.js';
import { failedCall, failureReason } from './call-failures.js';
import { now } from './clock.js';
import type { Session } from './session.js';

/** Past this share of the context budget, the older turns are summarised before the next turn. */
const compactAtShare = 0.75;
/**
 * After a compaction the context is at most this share (with the system prompt, tools and summary), and the newest
 * turns kept word for word at most keepRecentShare: the distance to compactAtShare is what spares the next turns a
 * compaction each.
 */
const compactToShare = 0.5;
const keepRecentShare = 0.3;
/** When the system prompt, tools and summary alone take this share, summarising turns cannot bring the context down. */
const fixedShareLimit = 0.6;
/** The summary's share of the budget (and at most summaryMaxChars). */
const summaryShare = 0.15;
const summaryMaxChars = 20_000;

/** The system prompt's and tool schemas' characters, counted once per workspace description. */
const workspaceSizes = new WeakMap<WorkspaceContext, number>();
function workspaceChars(workspace: WorkspaceContext): number {
  let size = workspaceSizes.get(workspace);
  if (size === undefined) {
    size = workspace.systemPrompt.length + JSON.stringify(workspace.tools).length;
    workspaceSizes.set(workspace, size);
  }
  return size;
}

/** Characters an entry of the window puts in a model request: its text, and the tool rounds it keeps. */
function entryChars(entry: TranscriptEntry): number {
  return (
    entry.text.length +
    (entry.steps ?? []).reduce(
      (sum, step) => sum + step.text.length + step.calls.reduce((n, c) => n + c.output.length + JSON.stringify(c.input).length + c.name.length, 0),
      0,
    )
  );
}

export type CompactionOutcome =
  | { kind: 'compacted'; folded: number; throughTurn: number; tokensBefore: number; tokensAfter: number }
  | { kind: 'nothing' }
  | { kind: 'failed'; reason: string };

/**
 * Compaction, as OpenClaw's: when the conversation nears its share of a model request (`contextTokens`, estimated from
 * characters per the provider), or the window its `historyTurns`, the older turns are folded by the model — through the
 * same runtime — into one running summary that every later request carries, and only the newest turns stay word for
 * word. `/compact [instructions]` does it on demand. The summary is written to the transcript (so a session started
 * afresh finds it) and carried across continue-as-new; the runtime session is sent the new context in full.
 */
export class Compaction {
  constructor(
    private readonly session: Session,
    private readonly activities: SessionActivities,
  ) {}

  /** Estimated tokens of the next model request's context: system prompt, tools, summary, window, and `extraChars` more. */
  estimate(extraChars = 0): number {
    const { session } = this;
    const chars = this.fixedChars() + session.context.window.reduce((sum, e) => sum + entryChars(e), 0) + extraChars;
    return Math.ceil(chars / session.settings.charsPerToken);
  }

  /** What every request carries whatever the window holds: system prompt, tool schemas, the summary. */
  private fixedChars(): number {
    const { session } = this;
    const { workspace, context } = session;
    return (workspace.current ? workspaceChars(workspace.current) : 0) + (context.summary?.text.length ?? 0);
  }

  private budgetChars(): number {
    return this.session.settings.contextTokens * this.session.settings.charsPerToken;
  }

  /** Whether the next turn, answering `incoming`, should start with a compaction. */
  due(incoming: readonly QueuedMessage[]): boolean {
    const { session } = this;
    if (!session.features.compaction || session.context.window.length === 0) return false;
    const turns = new Set(session.context.window.map((e) => e.turn)).size;
    if (turns >= session.settings.historyTurns) return true;
    const incomingChars = incoming.reduce((sum, m) => sum + m.text.length, 0);
    if (this.estimate(incomingChars) <= session.settings.contextTokens * compactAtShare) return false;
    if (this.fixedChars() >= this.budgetChars() * fixedShareLimit) {
      // Folding turns would gain next to nothing and cost a model call every turn: the budget is too small.
      if (session.context.firstBudgetWarning()) {
        log.warn('The system prompt, tools and summary alone nearly fill session.contextTokens: turns are no longer summarised for size (raise it)', {
          sessionKey: session.sessionKey,
          fixedTokens: Math.ceil(this.fixedChars() / session.settings.charsPerToken),
          contextTokens: session.settings.contextTokens,
        });
      }
      return false;
    }
    return true;
  }

  /** Folds the older turns of the window into the summary; the newest stay. Consumes a turn number (the transcript's summary line). */
  async run(trigger: 'auto' | 'command', instructions?: string): Promise<CompactionOutcome> {
    const { session } = this;
    const { settings } = session;
    // Asked for, it keeps only the last exchange word for word: the user wants the context small now.
    const firstKept = this.firstKeptTurn(trigger === 'command' ? 1 : Math.max(1, Math.floor(settings.historyTurns / 2)));
    const older = session.context.window.filter((e) => e.turn < firstKept);
    if (older.length === 0) return { kind: 'nothing' };
    const tokensBefore = this.estimate();
    const throughTurn = older.at(-1)!.turn;
    const maxChars = Math.min(summaryMaxChars, Math.max(200, Math.floor(settings.contextTokens * settings.charsPerToken * summaryShare)));
    log.info('Compacting the conversation', { sessionKey: session.sessionKey, trigger, throughTurn, tokensBefore });
    session.runtime.start(now());
    let result;
    try {
      result = await this.activities.agent.summarizeConversation({
        runtimeSessionId: session.runtime.id,
        request: {
          summarize: {
            sessionKey: session.sessionKey,
            previousSummary: session.context.summary?.text ?? null,
            history: windowToHistory(older),
            ...(instructions ? { instructions: instructions.slice(0, 2_000) } : {}),
            maxChars,
          },
        },
      });
    } catch (error) {
      const failure = failedCall(error);
      if (!failure) throw error;
      const reason = failureReason(failure).message;
      log.warn('Could not compact the conversation; the oldest turns leave the context unsummarised', { sessionKey: session.sessionKey, reason });
      return { kind: 'failed', reason };
    }
    const entry: TranscriptEntry = {
      turn: session.takeTurnNumber(),
      role: 'summary',
      text: result.summary,
      throughTurn,
      at: now(),
      model: result.model,
      ...(result.usage ? { usage: { inputTokens: result.usage.inputTokens ?? 0, outputTokens: result.usage.outputTokens ?? 0 } } : {}),
    };
    await this.activities.persistence.appendTranscript({ sessionKey: session.sessionKey, entries: [entry] });
    // The runtime session holds the old context: it is sent the summary and the kept turns in full.
    session.compacted(result.summary, throughTurn, firstKept, now());
    const folded = new Set(older.map((e) => e.turn)).size;
    const tokensAfter = this.estimate();
    log.info('Compacted the conversation', { sessionKey: session.sessionKey, trigger, folded, throughTurn, tokensBefore, tokensAfter });
    return { kind: 'compacted', folded, throughTurn, tokensBefore, tokensAfter };
  }

  /**
   * The oldest turn kept word for word: the newest turns within keepRecentShare of the budget, and within what leaves
   * the whole context at compactToShare, at most `keepTurns`.
   */
  private firstKeptTurn(keepTurns: number): number {
    const { session } = this;
    const keepChars = Math.max(0, Math.min(this.budgetChars() * keepRecentShare, this.budgetChars() * compactToShare - this.fixedChars()));
    const turns = [...new Set(session.context.window.map((e) => e.turn))].reverse();
    let kept = 0;
    let chars = 0;
    let first = (turns[0] ?? 0) + 1;
    for (const turn of turns) {
      const size = session.context.window.filter((e) => e.turn === turn).reduce((sum, e) => sum + entryChars(e), 0);
      if (kept >= keepTurns || chars + size > keepChars) break;
      kept += 1;
      chars += size;
      first = turn;
    }
    return first;
  }
}
