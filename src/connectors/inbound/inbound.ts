import { appendFile } from 'node:fs/promises';
import type { Logger } from '../../logger.js';
import { mainSessionKey, sessionKey } from '../../contracts/session-key.js';
import type { ReplyRoute } from '../../contracts/session-records.js';
import type { MessageOrigin } from '../../config/agents.js';
import type { ChannelAdapter, ChannelMessage } from '../../contracts/channel-adapter.js';
import { carriesSpeech, materializeInbound, type MediaOptions } from './media-store.js';
import type { PairingStore, PairingWelcome } from './pairing-store.js';
import { PermanentRefusal, type SessionPort } from './session-port.js';

/** Who may reach the agent on one channel, and how its chats map to sessions. */
export interface ChannelPolicy {
  dmPolicy: 'pairing' | 'allowlist' | 'open' | 'disabled';
  allowFrom: readonly string[];
  owners: readonly string[];
  dmScope: 'per-peer' | 'main';
  groupPolicy: 'allowlist' | 'open' | 'disabled';
  groups: readonly string[];
  groupAllowFrom: readonly string[];
  requireMention: boolean;
}

export interface InboundDeps {
  sessions: SessionPort;
  /** The agent a message goes to (bindings; the default agent when none matches). */
  agentFor(origin: MessageOrigin): string;
  /** Where an agent's admitted messages' media (and over-long texts) are saved: its workspace. */
  workspaceFor(agentId: string): string;
  pairing: PairingStore;
  logger: Logger;
  /** Where messages no session could take are recorded (JSON lines), with the reason. */
  rejectedLog: string;
  /** True once the connector is shutting down: a message not yet handed over stays unacknowledged. */
  stopping: () => boolean;
  /** Tries before a message Temporal keeps refusing is given up; default 5. */
  maxRefusals?: number;
  /** Speech to text and the limits on what users send (media.*). */
  media?: MediaOptions;
}

/** What a sender of a voice note is told when no transcription endpoint is configured: what to set, never silence. */
export const noTranscriptionReply =
  "I got your voice message, but I can't listen to it yet: voice messages need a transcription endpoint. My owner can set one (media.transcription.baseUrl, e.g. CLAWFLOW_TRANSCRIPTION_BASE_URL=https://api.openai.com/v1 with CLAWFLOW_TRANSCRIPTION_API_KEY, or a local whisper server). Meanwhile, please write it.";

/** `/approve <id>`, or from another chat (an escalated request) `/approve <id> <session-key>`; `/always`, `/deny` alike. */
const approvalCommand = /^\/(approve|always|deny)\s+(\S+)(?:\s+(\S+))?\s*$/i;

/** The session a channel message belongs to: a person's direct chat, a group, or a thread in a group. */
export function sessionKeyFor(message: ChannelMessage, agentId: string, policy: Pick<ChannelPolicy, 'dmScope'>): string {
  if (message.chatType === 'direct') return policy.dmScope === 'main' ? mainSessionKey(agentId) : sessionKey(agentId, message.channel, message.sender.id);
  return sessionKey(agentId, message.channel, message.chat, message.thread);
}

export function routeOf(message: ChannelMessage): ReplyRoute {
  return {
    channel: message.channel,
    account: message.account,
    chat: message.chat,
    ...(message.thread ? { thread: message.thread } : {}),
    replyTo: message.messageId,
  };
}

/**
 * A direct chat from this sender under the channel's rules: `allowed`, `refused`, or `pairing` (a stranger who is given
 * a code to approve, unless already approved).
 */
export function directAccess(policy: Pick<ChannelPolicy, 'dmPolicy' | 'allowFrom' | 'owners'>, senderId: string): 'allowed' | 'refused' | 'pairing' {
  if (policy.dmPolicy === 'disabled') return 'refused';
  if (policy.dmPolicy === 'open' || policy.allowFrom.includes(senderId) || policy.owners.includes(senderId)) return 'allowed';
  return policy.dmPolicy === 'allowlist' ? 'refused' : 'pairing';
}

/**
 * Why a channel's access policy is dangerous with the exec policy, or null: under dmPolicy "open" whoever writes to the
 * bot is a conversation's owner, and answers its approvals (unless approvals are the agent owner's alone).
 */
export function openDoorWarning(channel: string, policy: Pick<ChannelPolicy, 'dmPolicy'>, ownerOnly: boolean | undefined, execPolicy: string): string | null {
  if (ownerOnly || policy.dmPolicy !== 'open' || (execPolicy !== 'ask' && execPolicy !== 'full')) return null;
  return `${channel}: dmPolicy is "open" and tools.exec.policy is "${execPolicy}": anyone who writes to the bot can have commands run on this machine`;
}

/** Whether the agent takes part in this group at all (before mentions and senders): groupPolicy and groups. */
export function groupAllowed(policy: Pick<ChannelPolicy, 'groupPolicy' | 'groups'>, chat: string): boolean {
  if (policy.groupPolicy === 'disabled') return false;
  return policy.groupPolicy === 'open' || policy.groups.includes('*') || policy.groups.includes(chat);
}

/** Who every conversation of a channel trusts (`*`: whoever reaches it at all, as the WebChat's key holder). */
export const everyoneOwns = '*';

/**
 * Who owns the agent on this channel, not only a conversation: the channel's `owners` and `allowFrom`. Their turns
 * may change the agent's instructions, and they alone allow another's turn to (a paired stranger or a group member
 * owns at most their own conversation).
 */
export function isAgentOwner(message: ChannelMessage, policy: ChannelPolicy): boolean {
  return policy.owners.includes(everyoneOwns) || policy.owners.includes(message.sender.id) || policy.allowFrom.includes(message.sender.id);
}

/** Who may answer a session's approval requests: its DM peer, or the channel's owners and allowFrom. */
export function isApprover(message: ChannelMessage, policy: ChannelPolicy): boolean {
  if (isAgentOwner(message, policy)) return true;
  return message.chatType === 'direct' && policy.dmScope === 'per-peer';
}

/**
 * Between the platforms and the sessions: decides who may talk to the agent (direct messages, groups, threads),
 * answers strangers with a pairing code, takes approvals only from a session's owner, saves what an admitted message
 * brought into the workspace, and hands each message to its session, retrying until Temporal takes it.
 */
export class Inbound {
  /** Welcomes under way, by channel and sender: one at a time each. */
  private readonly welcoming = new Map<string, Promise<void>>();
  /** A round of welcomes is under way (rounds do not overlap). */
  private welcomingRound = false;

  constructor(private readonly deps: InboundDeps) {}

  async handle(adapter: ChannelAdapter, policy: ChannelPolicy, message: ChannelMessage): Promise<void> {
    const { logger } = this.deps;
    const route = routeOf(message);
    const admitted = message.chatType === 'direct' ? await this.admitDirect(adapter, policy, message) : await this.admitGroup(policy, message);
    if (!admitted) return;
    const agentId = this.agentOf(message);
    const sessionKey = sessionKeyFor(message, agentId, policy);

    const approval = approvalCommand.exec(message.text.trim());
    if (approval) {
      if (!isApprover(message, policy)) {
        logger.warn({ channel: message.channel, sender: message.sender.id, sessionKey }, 'refused an approval from someone who is not the session owner');
        return this.say(adapter, route, 'Only the owner of this conversation can answer approval requests.');
      }
      // Another session's request (escalated here, approvals.escalateTo) is the agent owner's to answer, as with `clawflow approve`.
      const named = approval[3];
      if (named && named !== sessionKey && !isAgentOwner(message, policy)) {
        logger.warn(
          { channel: message.channel, sender: message.sender.id, named },
          "refused an answer to another session's approval from someone who is not the agent's owner",
        );
        return this.say(adapter, route, "Only the agent's owner can answer another conversation's approval requests.");
      }
      const by = `${message.channel}:${message.sender.id}`;
      return this.answerApproval(adapter, route, named ?? sessionKey, approval[1]!.toLowerCase(), approval[2]!, isAgentOwner(message, policy), by);
    }

    if (!this.deps.media?.transcribe && carriesSpeech(message) && !message.text.trim()) {
      logger.info({ channel: message.channel, sessionKey }, 'a voice message came and no transcription endpoint is configured; the sender was told');
      return this.say(adapter, route, noTranscriptionReply);
    }
    const { text, images } = await materializeInbound(message, this.deps.workspaceFor(agentId), logger, this.deps.media);
    // Platform ids are unique within a chat: a redelivery carries the same id and is dropped by the session.
    const messageId = `${message.channel}:${message.chat}:${message.messageId}`;
    const outgoing = {
      messageId,
      text,
      sender: message.sender.name ?? message.sender.id,
      sentAt: message.sentAt,
      route,
      fromOwner: isApprover(message, policy),
      fromAgentOwner: isAgentOwner(message, policy),
      ...(images.length ? { images } : {}),
    };
    const handedOver = await this.retrying(`hand message ${message.messageId} to session ${sessionKey}`, () =>
      this.deps.sessions.deliver(sessionKey, outgoing),
    );
    if (handedOver !== true) return this.reject(adapter, route, sessionKey, message, handedOver.message);
    logger.debug({ sessionKey, messageId: message.messageId }, 'handed a message to its session');
  }

  /** The agent this message goes to: by its channel, account and chat (a direct chat: its sender). */
  private agentOf(message: ChannelMessage): string {
    return this.deps.agentFor({
      channel: message.channel,
      account: message.account,
      chatType: message.chatType,
      peerId: message.chatType === 'direct' ? message.sender.id : message.chat,
    });
  }

  private async admitDirect(adapter: ChannelAdapter, policy: ChannelPolicy, message: ChannelMessage): Promise<boolean> {
    const { pairing, logger } = this.deps;
    const sender = message.sender;
    const access = directAccess(policy, sender.id);
    if (access === 'allowed') return true;
    if (access === 'refused') {
      if (policy.dmPolicy === 'allowlist')
        logger.info({ channel: message.channel, sender: sender.id }, 'ignored a direct message from a sender not on the allowlist');
      return false;
    }
    if (pairing.isApproved(message.channel, sender.id)) {
      // Approved a moment ago, and writing again at once: the message they were held with goes first, in order.
      const waiting = pairing.welcomes(message.channel).find((w) => w.senderId === sender.id);
      if (waiting) await this.welcome(adapter, policy, waiting);
      return true;
    }
    const held = {
      messageId: message.messageId,
      route: routeOf(message),
      text: message.media?.length
        ? `${message.text}\n[The user also sent ${message.media.length} attachment(s) before being paired; they were not kept]`.trim()
        : message.text,
      ...(message.sentAt ? { sentAt: message.sentAt } : {}),
    };
    const { code, reply } = await pairing.codeFor(message.channel, sender, held);
    logger.info({ channel: message.channel, sender: sender.id, code, replied: reply }, 'a stranger asked to pair');
    if (reply) {
      await this.say(
        adapter,
        routeOf(message),
        `Hi! I don't know you yet, so I can't answer. Your pairing code is ${code}. Ask my owner to run:\nclawflow pairing approve ${message.channel} ${code}`,
      );
    }
    return false;
  }

  /** A group message: an allowed group, addressed to the bot (or in a thread it follows), from a known sender. */
  private async admitGroup(policy: ChannelPolicy, message: ChannelMessage): Promise<boolean> {
    const { logger } = this.deps;
    if (!groupAllowed(policy, message.chat)) {
      if (policy.groupPolicy === 'allowlist' && message.addressedToBot)
        logger.info({ channel: message.channel, chat: message.chat }, 'ignored a group that is not in groups (groupPolicy "allowlist")');
      return false;
    }
    if (policy.requireMention && !message.addressedToBot) {
      // In a thread the bot was mentioned in (its session exists), it follows the conversation; elsewhere it keeps out.
      if (!message.inThread || !(await this.deps.sessions.exists(sessionKeyFor(message, this.agentOf(message), policy)))) return false;
    }
    const sender = message.sender.id;
    const known =
      policy.groupAllowFrom.includes('*') ||
      policy.groupAllowFrom.includes(sender) ||
      policy.allowFrom.includes(sender) ||
      policy.owners.includes(sender) ||
      this.deps.pairing.isApproved(message.channel, sender);
    if (!known)
      logger.info(
        { channel: message.channel, chat: message.chat, sender },
        'ignored a group message from a sender who is not paired or allowed (groupAllowFrom)',
      );
    return known;
  }

  private async answerApproval(
    adapter: ChannelAdapter,
    route: ReplyRoute,
    sessionKey: string,
    verb: string,
    requestId: string,
    byAgentOwner: boolean,
    by: string,
  ): Promise<void> {
    const decision = verb === 'approve' ? 'once' : verb === 'always' ? 'always' : 'deny';
    let reply: string;
    try {
      const request = await this.deps.sessions.answerApproval(sessionKey, { requestId, decision, byAgentOwner, by, via: 'chat' });
      reply = `${decision === 'deny' ? 'Denied' : decision === 'always' ? 'Allowed from now on' : 'Allowed once'}: ${request.subject}`;
    } catch (error) {
      reply = `Could not answer: ${(error as Error).message}`;
    }
    await this.say(adapter, route, reply);
  }

  /**
   * Tells the senders the owner approved since the last call that they are in, and hands the message they were
   * waiting with to their session (once: its id is the platform's, and sessions drop redeliveries).
   */
  async welcomeApproved(adapter: ChannelAdapter, policy: ChannelPolicy): Promise<void> {
    for (const welcome of this.deps.pairing.welcomes(adapter.channel)) await this.welcome(adapter, policy, welcome);
  }

  /**
   * One round over every channel: senders the owner let in (`clawflow pairing approve`, another process) are told so
   * and answered. A failed round is logged; the next one tries again.
   */
  async welcomeAllApproved(channels: ReadonlyArray<{ adapter: ChannelAdapter; policy: ChannelPolicy }>): Promise<void> {
    if (this.welcomingRound || this.deps.stopping()) return;
    this.welcomingRound = true;
    try {
      for (const { adapter, policy } of channels) await this.welcomeApproved(adapter, policy);
    } catch (error) {
      this.deps.logger.warn({ err: (error as Error).message }, 'could not welcome the senders approved for pairing; trying again shortly');
    } finally {
      this.welcomingRound = false;
    }
  }

  /** Welcomes one approved sender (once, whoever asks first: the periodic round or the sender's next message). */
  private welcome(adapter: ChannelAdapter, policy: ChannelPolicy, welcome: PairingWelcome): Promise<void> {
    const id = `${adapter.channel}\0${welcome.senderId}`;
    let running = this.welcoming.get(id);
    if (!running) {
      running = this.handOverHeld(adapter, policy, welcome).finally(() => this.welcoming.delete(id));
      this.welcoming.set(id, running);
    }
    return running;
  }

  private async handOverHeld(adapter: ChannelAdapter, policy: ChannelPolicy, welcome: PairingWelcome): Promise<void> {
    const { pairing, logger, sessions } = this.deps;
    // Welcomed meanwhile (the other caller got there first).
    if (!pairing.welcomes(adapter.channel).some((w) => w.senderId === welcome.senderId)) return;
    const held = welcome.held;
    if (!held) return void (await pairing.welcomed(adapter.channel, welcome.senderId));
    const { route } = held;
    const agentId = this.deps.agentFor({ channel: adapter.channel, account: route.account ?? '', chatType: 'direct', peerId: welcome.senderId });
    const key = sessionKeyFor(
      { chatType: 'direct', channel: adapter.channel, chat: route.chat, sender: { id: welcome.senderId } } as ChannelMessage,
      agentId,
      policy,
    );
    await adapter
      .send(route, `You're in${welcome.senderName ? `, ${welcome.senderName}` : ''}: my owner approved you. Here is my answer to your first message.`)
      .catch((error: unknown) => logger.warn({ err: (error as Error).message, channel: adapter.channel }, 'could not tell an approved sender they are in'));
    const outgoing = {
      messageId: `${adapter.channel}:${route.chat}:${held.messageId}`,
      text: held.text,
      sender: welcome.senderName ?? welcome.senderId,
      ...(held.sentAt ? { sentAt: held.sentAt } : {}),
      route,
    };
    // Stopping meanwhile: it stays to be welcomed after the restart (the session drops the message if it had it).
    const handedOver = await this.retrying(`hand the held message of ${welcome.senderId} to session ${key}`, () => sessions.deliver(key, outgoing));
    if (handedOver !== true)
      logger.error(
        { channel: adapter.channel, sender: welcome.senderId, reason: handedOver.message },
        'gave up the message an approved sender was waiting with',
      );
    await pairing.welcomed(adapter.channel, welcome.senderId);
    logger.info({ channel: adapter.channel, sender: welcome.senderId, sessionKey: key }, 'welcomed an approved sender and handed over their first message');
  }

  /**
   * The connector's own answer in a chat (a pairing code, an approval's outcome, what to set): a platform that refuses
   * it (rate limit, a blocked bot) is logged, and the chat's next messages are still read.
   */
  private async say(adapter: ChannelAdapter, route: ReplyRoute, text: string): Promise<void> {
    await adapter.send(route, text).catch((error: unknown) => {
      this.deps.logger.warn({ channel: route.channel, chat: route.chat, err: (error as Error).message }, "could not send the connector's own answer; going on");
    });
  }

  /** A message no session can take: recorded with the reason, the sender told, and acknowledged so the chat moves on. */
  private async reject(adapter: ChannelAdapter, route: ReplyRoute, sessionKey: string, message: ChannelMessage, reason: string): Promise<void> {
    this.deps.logger.error({ sessionKey, messageId: message.messageId, reason }, 'gave up a message its session does not take; the chat moves on');
    const record = { at: new Date().toISOString(), channel: message.channel, chat: message.chat, messageId: message.messageId, sessionKey, reason };
    await appendFile(this.deps.rejectedLog, `${JSON.stringify(record)}\n`, { mode: 0o600 }).catch(() => undefined);
    await adapter.send(route, `Sorry, I could not take that message: ${reason}`).catch(() => undefined);
  }

  /** True once handed over; the refusal when Temporal keeps refusing it (`maxRefusals` times); throws only while stopping. */
  private async retrying(what: string, attempt: () => Promise<void>): Promise<true | PermanentRefusal> {
    let refusals = 0;
    for (let delay = 500; ; delay = Math.min(delay * 2, 30_000)) {
      try {
        await attempt();
        return true;
      } catch (error) {
        if (this.deps.stopping()) throw error;
        if (error instanceof PermanentRefusal && (error.final || ++refusals >= (this.deps.maxRefusals ?? 5))) return error;
        this.deps.logger.warn({ err: (error as Error).message, retryInMs: delay }, `could not ${what}; retrying (the message stays unacknowledged meanwhile)`);
        await new Promise((resolve) => setTimeout(resolve, delay));
      }
    }
  }
}
