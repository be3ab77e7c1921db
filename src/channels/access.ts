import { z } from 'zod';

/** Who may reach the agent on a channel, and how its chats map to sessions; every channel with people on it has these. */
export const channelAccess = {
  /** Direct messages: `pairing` (strangers get a code to approve), `allowlist`, `open`, `disabled`. */
  dmPolicy: z.enum(['pairing', 'allowlist', 'open', 'disabled']).default('pairing'),
  /** The platform's user ids always allowed; they may also answer approvals anywhere. */
  allowFrom: z.array(z.string().min(1)).default([]),
  /** The owner's user ids: may answer approvals in any session of this channel (groups, threads, the shared main session). */
  owners: z.array(z.string().min(1)).default([]),
  /** `per-peer`: one session per person; `main`: every direct message shares the agent's main session. */
  dmScope: z.enum(['per-peer', 'main']).default('per-peer'),
  /** Groups: `allowlist` (only the chats in `groups`; none by default), `open` (any group the bot is in), `disabled`. */
  groupPolicy: z.enum(['allowlist', 'open', 'disabled']).default('allowlist'),
  /** Group chat ids the agent takes part in under `allowlist` (`*`: all). */
  groups: z.array(z.string().min(1)).default([]),
  /** Who may talk to it in a group besides allowFrom, owners and paired senders (`*`: everyone in an allowed group). */
  groupAllowFrom: z.array(z.string().min(1)).default([]),
  /** In groups, answer only when mentioned or replied to (in a thread it was mentioned in, it follows the thread). */
  requireMention: z.boolean().default(true),
};

/** `partial`: the reply shows in one message edited as the model writes it (at most one edit a second), then takes its final text; `off`: it comes when done. */
export const streaming = z.enum(['partial', 'off']).default('partial');
