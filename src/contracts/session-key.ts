// Workflow-safe: imported by the session workflow and by every client.

/** A session is one conversation: one agent, one channel, one chat (a DM peer, a group, a thread). */
export interface SessionKey {
  agent: string;
  channel: string;
  chat: string;
}

const partPattern = /^[a-z0-9][a-z0-9_-]{0,63}$/;
const chatPattern = /^[^\s\p{Cc}]{1,200}$/u;

export class SessionKeyError extends Error {
  override name = 'SessionKeyError';
}

/**
 * Parses `<agent>:<channel>:<chat>` (the chat part may itself contain ":"), or a bare `<chat>`, which
 * means `<defaultAgent>:cli:<chat>`.
 */
export function parseSessionKey(text: string, defaultAgent = 'main'): SessionKey {
  const parts = text.split(':');
  const [agent, channel, chat] = parts.length === 1 ? [defaultAgent, 'cli', text] : [parts[0], parts[1], parts.slice(2).join(':')];
  if (parts.length === 2) {
    throw new SessionKeyError(
      `session key "${text}" has two parts; use <agent>:<channel>:<chat> (e.g. main:cli:${parts[1] || parts[0] || 'me'}) or a bare chat name`,
    );
  }
  if (!agent || !partPattern.test(agent)) throw new SessionKeyError(`session key "${text}": agent "${agent}" must be lowercase letters, digits, "-" or "_"`);
  if (!channel || !partPattern.test(channel))
    throw new SessionKeyError(`session key "${text}": channel "${channel}" must be lowercase letters, digits, "-" or "_"`);
  if (!chat || !chatPattern.test(chat)) throw new SessionKeyError(`session key "${text}": chat "${chat}" must be 1-200 characters without spaces`);
  return { agent, channel, chat };
}

export function formatSessionKey(key: SessionKey): string {
  return `${key.agent}:${key.channel}:${key.chat}`;
}

/** The key of a conversation: in a chat, or in one thread (a Slack or Discord thread, a forum topic) of a chat. */
export function sessionKey(agent: string, channel: string, chat: string, thread?: string): string {
  return formatSessionKey({ agent, channel, chat: thread ? `${chat}:${thread}` : chat });
}

/** The agent's main session: where heartbeats and main-session jobs run, and direct messages under dmScope "main". */
export function mainSessionKey(agent: string): string {
  return sessionKey(agent, 'main', 'main');
}

/** The session key a session workflow id names (`session:<key>`). */
export function sessionKeyOfWorkflowId(workflowId: string): string {
  return workflowId.slice(sessionWorkflowIdPrefix.length);
}

export const sessionWorkflowIdPrefix = 'session:';

export function sessionWorkflowId(key: SessionKey): string {
  return `${sessionWorkflowIdPrefix}${formatSessionKey(key)}`;
}

const cleanPart = (text: string, max: number): string => text.replace(/[^A-Za-z0-9_.-]+/g, '-').slice(0, max);

/** What the keys of a session's sub-agents start with: its agent, channel `subagent`, a chat named after it. */
export function subagentKeyPrefix(parent: SessionKey): string {
  return `${parent.agent}:subagent:${cleanPart(`${parent.channel}-${parent.chat}`, 80)}-t`;
}

/** The key of the sub-agent a session spawns in a turn's tool call (sessions_spawn): one per call, the same on every replay. */
export function subagentKey(parent: SessionKey, turn: number, callId: string, label?: string): string {
  return `${subagentKeyPrefix(parent)}${[turn, cleanPart(callId, 40), ...(label ? [cleanPart(label, 40)] : [])].join('-')}`;
}
