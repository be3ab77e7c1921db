import { log, workflowInfo } from '@temporalio/workflow';
import type { TranscriptEntry } from '../../contracts/session-records.js';
import { queueModes, type QueueMode } from '../../contracts/queue-modes.js';
import type { InboundMessage } from '../messages.js';
import type { SessionActivities } from './activities.js';
import type { Approvals } from './approvals.js';
import { Compaction } from './compaction.js';
import type { SessionFeatures } from './features.js';
import { now } from './clock.js';
import type { Session } from './session.js';
import { failoverNote } from '../../contracts/failover-words.js';
import { thinkingLevels, type ThinkingLevel } from '../../contracts/thinking-levels.js';

/**
 * The chat commands a session answers itself, without the model (OpenClaw's names). `feature`: the session feature a
 * command came with; a run without it treats the text as a message, as the code that started the run did.
 */
const commands = {
  help: { changesState: false, about: 'what you can tell me besides messages' },
  status: { changesState: false, about: 'this conversation: turns, context, runtime session, queue, approvals' },
  whoami: { changesState: false, about: 'who I think you are here' },
  stop: { changesState: true, about: 'stop the turn that is running (what it started is cancelled)' },
  new: { changesState: true, about: 'start a fresh conversation (what we said stays in the transcript)' },
  reset: { changesState: true, about: 'the same as /new' },
  model: {
    changesState: false,
    about: 'which model answers, and the others configured: /model <name or number> to switch, /model default to go back',
    feature: 'modelChoice',
  },
  compact: {
    changesState: true,
    about: 'fold the older turns into the summary now (/compact <what to focus on>)',
    feature: 'compaction',
  },
  usage: {
    changesState: false,
    about: 'what this conversation, the agents today and this month used and cost, against the budgets',
    feature: 'usageCommand',
  },
  think: {
    changesState: false,
    about: 'how hard the model thinks before answering here: /think off, low, medium or high, /think default',
    feature: 'thinkCommand',
  },
  verbose: {
    changesState: false,
    about: 'show each round of tool calls here as it starts (name and short arguments): /verbose on, /verbose off',
    feature: 'verboseCommand',
  },
  queue: {
    changesState: false,
    about:
      'what messages sent while I work do: /queue collect (one turn for them all), followup (a turn each), steer (into the running turn), interrupt (stop it and answer the newest), /queue reset',
    feature: 'queueModes',
  },
} as const satisfies Record<string, { changesState: boolean; about: string; feature?: keyof SessionFeatures }>;
export type CommandName = keyof typeof commands;
export interface ChatCommand {
  name: CommandName;
  /** What follows the name, trimmed ('' when nothing does). */
  args: string;
}

/** `/status`, `/queue steer`, `/stop@my_bot` (Telegram's form in groups)…: a known command, or null (any other text, or an unknown `/word`, goes to the model). */
export function parseChatCommand(text: string, features: SessionFeatures): ChatCommand | null {
  const match = /^\/([a-z]+)(?:@\S+)?(?:\s([\s\S]*))?$/i.exec(text.trim());
  const name = match?.[1]?.toLowerCase();
  if (!name || !Object.hasOwn(commands, name)) return null;
  const command = commands[name as CommandName];
  if ('feature' in command && !features[command.feature]) return null;
  return { name: name as CommandName, args: (match?.[2] ?? '').trim() };
}

/** Whether a queued message is a command its owner sent that waits its turn (/new, /reset, /compact): it is handled on its own. */
export function isQueuedCommand(message: InboundMessage, features: SessionFeatures): boolean {
  if (!features.chatCommands || !message.fromOwner) return false;
  const name = parseChatCommand(message.text, features)?.name;
  return name === 'new' || name === 'reset' || name === 'compact';
}

const queueModeMeaning: Record<QueueMode, string> = {
  collect: 'Messages you send while I work are answered together in one turn when I am done.',
  followup: 'Messages you send while I work are answered one by one, in order, when I am done.',
  steer: 'Messages you send while I work reach me at my next tool step; otherwise they are answered together when I am done.',
  interrupt: 'A message you send while I work stops what I am doing, and I answer it together with what I was answering.',
};

/** Tokens used today (UTC), as the providers reported them. */
function usageLine(session: Session, day: string): string {
  const today = session.usage.today?.day === day ? session.usage.today : null;
  if (!today) return 'none reported';
  return `${today.inputTokens.toLocaleString('en')} tokens in, ${today.outputTokens.toLocaleString('en')} out, over ${today.turns} turn${today.turns === 1 ? '' : 's'}`;
}

/**
 * Chat commands: messages of the session like any other (ordered, deduplicated, durable), answered by the session
 * itself. Those that only read or interrupt (/status, /help, /whoami, /stop) are answered at once, even while a turn
 * runs; /new and /reset wait their turn in the queue, so that what was sent before them is answered in the old
 * context and what comes after in the new one. Only the conversation's owner may run those that change it.
 */
export class ChatCommands {
  private readonly compaction: Compaction;

  constructor(
    private readonly session: Session,
    private readonly activities: SessionActivities,
    private readonly approvals: Approvals,
  ) {
    this.compaction = new Compaction(session, activities);
  }

  /** Takes a command message: answers it now, or queues it for its turn (/new, /reset). */
  async take(message: InboundMessage, { name, args }: ChatCommand, awaited: boolean): Promise<void> {
    const { session } = this;
    session.markSeen(message.messageId);
    const onlyOwner = `Only the owner of this conversation can use /${name}${args && !commands[name].changesState ? ` ${args.split(/\s/)[0]}` : ''}.`;
    if (commands[name].changesState && !message.fromOwner) return this.answer(message, onlyOwner);
    switch (name) {
      case 'help':
        return this.answer(
          message,
          [
            'Commands:',
            ...Object.entries(commands).flatMap(([command, about]) =>
              parseChatCommand(`/${command}`, session.features) ? [`/${command} — ${about.about}`] : [],
            ),
            '/approve <id>, /always <id>, /deny <id> — answer my request to run a command',
            'Anything else is a message to me.',
          ].join('\n'),
        );
      case 'whoami':
        return this.answer(
          message,
          `You are ${message.sender ?? 'someone I cannot name'}${message.fromOwner ? ', the owner of this conversation' : ''}; this conversation is ${session.sessionKey} (${session.key.channel}, chat ${session.key.chat}).`,
        );
      case 'status':
        return this.answer(message, this.status(message.fromOwner === true));
      case 'think': {
        const wanted = args.toLowerCase();
        const current = session.choices.thinking ? `${session.choices.thinking} (chosen with /think)` : 'the default (model.thinking)';
        if (!wanted) return this.answer(message, `Thinking: ${current}. /think off, low, medium or high; /think default.`);
        if (!message.fromOwner) return this.answer(message, onlyOwner);
        if (wanted === 'default') {
          session.choices.chooseThinking(undefined);
          return this.answer(message, 'Thinking is back to the default (model.thinking).');
        }
        if (!(thinkingLevels as readonly string[]).includes(wanted)) return this.answer(message, 'Say /think off, low, medium or high, or /think default.');
        session.choices.chooseThinking(wanted as ThinkingLevel);
        return this.answer(
          message,
          `Thinking: ${wanted}. It goes to the model as reasoning_effort (OpenAI-compatible endpoints) or a thinking budget (Anthropic, Claude on Bedrock), at the first step of each turn for the latter; a model without such a setting ignores it.`,
        );
      }
      case 'verbose': {
        const wanted = args.toLowerCase();
        if (!wanted)
          return this.answer(message, `Tool calls are ${session.choices.verbose ? '' : 'not '}shown here as they happen (/verbose on, /verbose off).`);
        if (!message.fromOwner) return this.answer(message, onlyOwner);
        if (wanted !== 'on' && wanted !== 'off') return this.answer(message, 'Say /verbose on or /verbose off.');
        session.choices.chooseVerbose(wanted === 'on');
        return this.answer(
          message,
          wanted === 'on' ? 'From now on each round of tool calls is shown here as it starts.' : 'Tool calls are no longer shown here.',
        );
      }
      case 'usage':
        return this.answer(
          message,
          [
            `This conversation today (UTC): ${usageLine(session, now().slice(0, 10))}`,
            ...(await this.activities.persistence.usageReport({ agent: session.key.agent })),
          ].join('\n'),
        );
      case 'stop':
        if (!session.turnScope.stop()) return this.answer(message, 'Nothing is running.');
        log.info("Stopping the running turn at the user's request (/stop)", {
          sessionKey: session.sessionKey,
          messageId: session.inFlight.map((m) => m.messageId),
        });
        return this.answer(message, 'Stopping the turn that was running.');
      case 'new':
      case 'reset':
      case 'compact':
        session.enqueue(message, awaited);
        return;
      case 'model':
        if (!args || args.toLowerCase() === 'list' || args.toLowerCase() === 'status') return this.answer(message, this.modelLine());
        if (!message.fromOwner) return this.answer(message, onlyOwner);
        return this.answer(message, this.chooseModel(args));
      case 'queue':
        if (!args) return this.answer(message, this.queueLine());
        if (!message.fromOwner) return this.answer(message, onlyOwner);
        return this.answer(message, this.chooseQueueMode(args.toLowerCase()));
    }
  }

  private modelLine(): string {
    const { session } = this;
    const current = session.choices.model
      ? `${session.choices.model} (chosen for this conversation)`
      : `${session.usage.lastModel ?? "the runtime's"} (the default)`;
    const choices = session.settings.modelChoices;
    if (choices.length === 0) return `Model: ${current}. No other model is configured (model.choices).`;
    return `Model: ${current}. To switch: ${choices.map((name, i) => `${i + 1}. ${name}`).join(', ')} — /model <name or number>; /model default to go back.`;
  }

  /** /model <name|number|default>: exact name, then a unique prefix or part of one (case aside), or its number in the list. */
  private chooseModel(choice: string): string {
    const { session } = this;
    const wanted = choice.toLowerCase().replace(/^#/, '');
    if (wanted === 'default' || wanted === 'reset') {
      session.choices.chooseModel(undefined);
      return 'Back to the default model.';
    }
    const choices = session.settings.modelChoices;
    const byNumber = /^\d+$/.test(wanted) ? choices[Number(wanted) - 1] : undefined;
    const candidates = byNumber
      ? [byNumber]
      : ([
          choices.filter((n) => n.toLowerCase() === wanted),
          choices.filter((n) => n.toLowerCase().startsWith(wanted)),
          choices.filter((n) => n.toLowerCase().includes(wanted)),
        ].find((found) => found.length > 0) ?? []);
    if (candidates.length !== 1) {
      const why =
        candidates.length > 1 ? `"${choice.slice(0, 60)}" could be ${candidates.join(' or ')}` : `no configured model matches "${choice.slice(0, 60)}"`;
      return `${why}. ${choices.length ? `Choose one of: ${choices.join(', ')}.` : 'No other model is configured (model.choices).'}`;
    }
    session.choices.chooseModel(candidates[0]!);
    log.info('Model chosen for this conversation', { sessionKey: session.sessionKey, model: session.choices.model });
    return `From now on ${session.choices.model} answers in this conversation.`;
  }

  private queueLine(): string {
    const { session } = this;
    const chosen = session.choices.queueMode ? 'chosen for this conversation' : 'the configured default';
    return `Queue mode: ${session.queueMode} (${chosen}); ${session.queue.length} message${session.queue.length === 1 ? '' : 's'} waiting.`;
  }

  /** /queue <mode> or /queue reset; the answer says what changed, or what the modes are. */
  private chooseQueueMode(choice: string): string {
    const { session } = this;
    if (choice === 'reset' || choice === 'default') {
      session.choices.chooseQueueMode(undefined);
      return `Queue mode back to the configured default: ${session.queueMode}.`;
    }
    if (!(queueModes as readonly string[]).includes(choice)) return `"${choice.slice(0, 40)}" is not a queue mode: use ${queueModes.join(', ')} or reset.`;
    session.choices.chooseQueueMode(choice as QueueMode);
    log.info('Queue mode chosen for this conversation', { sessionKey: session.sessionKey, queueMode: choice });
    return `Queue mode: ${choice}. ${queueModeMeaning[choice as QueueMode]}`;
  }

  /** A queued command (/new, /reset, /compact), in its turn. */
  async runQueued(message: InboundMessage): Promise<void> {
    const command = parseChatCommand(message.text, this.session.features);
    if (command?.name === 'compact') return this.compact(message, command.args);
    return this.reset(message);
  }

  /** /compact [instructions]: the older turns folded into the summary now, steered by the instructions. */
  private async compact(message: InboundMessage, instructions: string): Promise<void> {
    const { session } = this;
    const outcome = await this.compaction.run('command', instructions || undefined);
    const budget = session.settings.contextTokens.toLocaleString('en');
    switch (outcome.kind) {
      case 'compacted':
        return this.answer(
          message,
          `Compacted: ${outcome.folded} older turn${outcome.folded === 1 ? '' : 's'} folded into the summary (compaction ${session.context.summary?.compactions ?? 1} of this conversation). ` +
            `The context is now about ${outcome.tokensAfter.toLocaleString('en')} tokens of ${budget} (it was ${outcome.tokensBefore.toLocaleString('en')}).`,
        );
      case 'nothing':
        return this.answer(
          message,
          `Nothing to compact: the context holds only recent turns (about ${this.compaction.estimate().toLocaleString('en')} tokens of ${budget}).`,
        );
      case 'failed':
        return this.answer(message, `Could not compact: ${outcome.reason}. The conversation goes on as it was; try again later, or /new to start afresh.`);
    }
  }

  /** A queued /new or /reset, in its turn: the conversation starts afresh, and the user is told. */
  private async reset(message: InboundMessage): Promise<void> {
    await this.startAfresh('command', message.messageId);
    await this.answer(message, 'Started a fresh conversation: I no longer see what we said before (it stays in the transcript).');
  }

  /**
   * The context starts empty (no window, no summary), in a fresh runtime session; the transcript is marked. By /new,
   * or by the reset policy (session.reset) before the turn of the message that found the conversation expired.
   */
  async startAfresh(why: 'command' | 'daily' | 'idle', messageId?: string): Promise<void> {
    const { session } = this;
    const { left, at } = session.startAfresh();
    const { atHour, idleMinutes } = session.settings.reset;
    const cause = { command: '/new', daily: `the daily reset at ${String(atHour).padStart(2, '0')}:00`, idle: `${idleMinutes} idle minutes` }[why];
    const marker: TranscriptEntry = {
      turn: session.turns,
      role: 'assistant',
      text: `[A fresh conversation starts here (${cause}): the turns above are no longer in the agent's context.]`,
      ...(messageId ? { messageId } : {}),
      at,
      reset: true,
    };
    await this.activities.persistence.appendTranscript({ sessionKey: session.sessionKey, entries: [marker] });
    if (left.startedAt) await this.activities.housekeeping.stopRuntimeSession({ runtimeSessionId: left.id }).catch(() => undefined);
    session.publish();
    log.info('Started a fresh conversation', { sessionKey: session.sessionKey, why });
  }

  /** The session's state; what waits for approval (whole commands, maybe with secrets in them) only to its owner. */
  private status(toOwner: boolean): string {
    const { session } = this;
    const pending = this.approvals.pending;
    return [
      `${session.sessionKey}: ${session.status}${session.inFlight.length ? ` (answering ${session.inFlight.length === 1 ? 'a message' : `${session.inFlight.length} messages`})` : ''}`,
      `Turns: ${session.turns}`,
      this.contextLine(),
      `Model: ${session.choices.model ? `${session.choices.model} (chosen with /model; the last answer came from ${session.usage.lastModel ?? 'none yet'})` : session.usage.lastModel ? failoverNote(session.usage.lastModel, session.usage.lastFailovers) : 'not asked yet'}`,
      `Usage today: ${usageLine(session, now().slice(0, 10))}`,
      `Runtime session: ${session.runtime.id} (${session.runtime.rotations} rotation${session.runtime.rotations === 1 ? '' : 's'})`,
      ...(session.features.queueModes ? [`Queue: ${session.queue.length} waiting (mode ${session.queueMode})`] : [`Queue: ${session.queue.length} waiting`]),
      `Approvals: ${!pending.length ? 'none waiting' : toOwner ? pending.map((a) => `${a.requestId} (${a.tool}: ${a.subject.slice(0, 80)})`).join(', ') : `${pending.length} waiting (the owner sees them)`}`,
      `Last activity: ${session.lastActivity ?? 'never'}`,
    ].join('\n');
  }

  /** How full the context is, and what the summary holds. */
  private contextLine(): string {
    const { session } = this;
    const tokens = this.compaction.estimate().toLocaleString('en');
    const turns = new Set(session.context.window.map((e) => e.turn)).size;
    const summary = session.context.summary
      ? `; older turns (through ${session.context.summary.throughTurn}) as a summary, ${session.context.summary.compactions} compaction${session.context.summary.compactions === 1 ? '' : 's'}`
      : '';
    const budget = session.features.compaction ? ` of ${session.settings.contextTokens.toLocaleString('en')}` : '';
    return `Context: about ${tokens} tokens${budget} with the system prompt and tools (${turns} turn${turns === 1 ? '' : 's'} word for word${summary})`;
  }

  /** The answer to a command: to the caller waiting on it (`send`), and to the chat it came from. */
  private async answer(message: InboundMessage, text: string): Promise<void> {
    const { session } = this;
    session.recordCommandReply(message.messageId, text);
    if (!message.route) return;
    await this.activities.connector
      .deliver({ route: message.route, text, idempotencyKey: `${workflowInfo().workflowId}:command:${message.messageId}` })
      .catch((error: unknown) => log.error('Could not deliver the answer to a chat command', { sessionKey: session.sessionKey, error: String(error) }));
  }
}
