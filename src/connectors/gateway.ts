import type { Client } from '@temporalio/client';
import type { ClawflowConfig } from '../config/load.js';
import type { Logger } from '../logger.js';
import { answerApproval, deliverInbound } from '../sessions/session-client.js';
import type { ReplyRoute } from '../workflows/messages.js';
import type { ChannelAdapter, ChannelMessage } from './channel.js';
import type { PairingStore } from './pairing-store.js';

/** Who may reach the agent on one channel, and how its chats map to sessions. */
export interface ChannelPolicy {
  dmPolicy: 'pairing' | 'allowlist' | 'open' | 'disabled';
  allowFrom: readonly string[];
  dmScope: 'per-peer' | 'main';
  requireMention: boolean;
}

export interface GatewayDeps {
  client: Client;
  config: ClawflowConfig;
  pairing: PairingStore;
  logger: Logger;
  /** True once the connector is shutting down: a message not yet handed over stays unacknowledged. */
  stopping: () => boolean;
}

const approvalCommand = /^\/(approve|always|deny)\s+(\S+)\s*$/i;

/** The session a channel message belongs to: a person's direct chat, a group, or a thread in a group. */
export function sessionKeyFor(message: ChannelMessage, agentId: string, policy: ChannelPolicy): string {
  if (message.chatType === 'direct') return policy.dmScope === 'main' ? `${agentId}:main:main` : `${agentId}:${message.channel}:${message.sender.id}`;
  return `${agentId}:${message.channel}:${message.chat}${message.thread ? `:${message.thread}` : ''}`;
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
 * Between the platforms and the sessions: decides who may talk to the agent, answers strangers with a pairing code,
 * and hands each admitted message to its session (signal-with-start), retrying until Temporal takes it.
 */
export class Gateway {
  constructor(private readonly deps: GatewayDeps) {}

  async handle(adapter: ChannelAdapter, policy: ChannelPolicy, message: ChannelMessage): Promise<void> {
    const { logger } = this.deps;
    const route = routeOf(message);
    if (message.chatType === 'direct' && !(await this.admitted(adapter, policy, message))) return;
    if (message.chatType === 'group' && policy.requireMention && !message.addressedToBot) return;
    const sessionKey = sessionKeyFor(message, this.deps.config.agent.id, policy);

    const approval = approvalCommand.exec(message.text.trim());
    if (approval) return this.answerApproval(adapter, route, sessionKey, approval[1]!.toLowerCase(), approval[2]!);

    await this.retrying(`hand message ${message.messageId} to session ${sessionKey}`, () =>
      deliverInbound(this.deps.client, this.deps.config, sessionKey, {
        // Platform ids are unique within a chat: a redelivery carries the same id and is dropped by the session.
        messageId: `${message.channel}:${message.chat}:${message.messageId}`,
        text: message.text,
        sender: message.sender.name ?? message.sender.id,
        sentAt: message.sentAt,
        route,
      }),
    );
    logger.debug({ sessionKey, messageId: message.messageId }, 'handed a message to its session');
  }

  private async admitted(adapter: ChannelAdapter, policy: ChannelPolicy, message: ChannelMessage): Promise<boolean> {
    const { pairing, logger } = this.deps;
    const sender = message.sender;
    if (policy.dmPolicy === 'disabled') return false;
    if (policy.dmPolicy === 'open' || policy.allowFrom.includes(sender.id)) return true;
    if (policy.dmPolicy === 'allowlist') {
      logger.info({ channel: message.channel, sender: sender.id }, 'ignored a direct message from a sender not on the allowlist');
      return false;
    }
    if (pairing.isApproved(message.channel, sender.id)) return true;
    const { code } = await pairing.codeFor(message.channel, sender);
    logger.info({ channel: message.channel, sender: sender.id, code }, 'a stranger asked to pair');
    await adapter.send(
      routeOf(message),
      `Hi! I don't know you yet, so I can't answer. Your pairing code is ${code}. Ask my owner to run:\nclawflow pairing approve ${message.channel} ${code}`,
    );
    return false;
  }

  private async answerApproval(adapter: ChannelAdapter, route: ReplyRoute, sessionKey: string, verb: string, requestId: string): Promise<void> {
    const decision = verb === 'approve' ? 'once' : verb === 'always' ? 'always' : 'deny';
    let reply: string;
    try {
      const request = await answerApproval(this.deps.client, this.deps.config, sessionKey, { requestId, decision });
      reply = `${decision === 'deny' ? 'Denied' : decision === 'always' ? 'Allowed from now on' : 'Allowed once'}: ${request.subject}`;
    } catch (error) {
      reply = `Could not answer: ${(error as Error).message}`;
    }
    await adapter.send(route, reply);
  }

  private async retrying(what: string, attempt: () => Promise<void>): Promise<void> {
    for (let delay = 500; ; delay = Math.min(delay * 2, 30_000)) {
      try {
        return await attempt();
      } catch (error) {
        if (this.deps.stopping()) throw error;
        this.deps.logger.warn({ err: (error as Error).message, retryInMs: delay }, `could not ${what}; retrying (the message stays unacknowledged meanwhile)`);
        await new Promise((resolve) => setTimeout(resolve, delay));
      }
    }
  }
}
