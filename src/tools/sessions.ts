import { z } from 'zod';
import { defineTool, ToolError, type ToolContext } from './tool.js';
import { untrusted } from '../contracts/untrusted.js';

function sessionsOf(context: ToolContext) {
  if (!context.sessions) throw new ToolError('the session tools need a Temporal client on the tools host, which this one has not');
  return context.sessions;
}

const lineChars = 2_000;

/** OpenClaw's `sessions_list`: the sessions this one may see (its sub-agents, or its agent's under visibility "agent"). */
export const sessionsListTool = defineTool({
  name: 'sessions_list',
  description:
    'List the sub-agents you spawned (sessions_spawn), with their status and last activity; read one with sessions_history, message one with sessions_send.',
  input: z.object({ limit: z.number().int().min(1).max(100).default(20).describe('how many, most recent first') }).strict(),
  async run({ limit }, context) {
    const sessions = sessionsOf(context);
    const found = (await sessions.list()).sort((a, b) => (b.lastActivity ?? '').localeCompare(a.lastActivity ?? '')).slice(0, limit);
    const scope = sessions.visibility === 'tree' ? 'sub-agents you spawned' : 'sessions of your agent';
    if (!found.length) return `No ${scope}.`;
    return [
      `${found.length} ${scope}:`,
      ...found.map((s) => `- ${s.sessionKey}: ${s.status}, ${s.turns} turn${s.turns === 1 ? '' : 's'}, last active ${s.lastActivity ?? 'never'}`),
    ].join('\n');
  },
});

/** OpenClaw's `sessions_history`: the last lines of a session this one may see. */
export const sessionsHistoryTool = defineTool({
  name: 'sessions_history',
  description: 'Read the last messages of a session you may look at (see sessions_list), oldest first.',
  input: z
    .object({
      sessionKey: z.string().min(1).max(400).describe('the session, as sessions_list shows it'),
      limit: z.number().int().min(1).max(50).default(20).describe('how many of its last messages'),
    })
    .strict(),
  async run({ sessionKey, limit }, context) {
    const lines = await sessionsOf(context).history(sessionKey, limit);
    if (!lines.length) return `${sessionKey} has no messages yet.`;
    const text = lines
      .map((l) => `[turn ${l.turn}, ${l.role}, ${l.at}] ${l.text.length > lineChars ? `${l.text.slice(0, lineChars)} […]` : l.text}`)
      .join('\n');
    // Another conversation's words are data, as a web page's are.
    return untrusted(`session ${sessionKey}`, text);
  },
});

/** OpenClaw's `sessions_send`: a message into a session this one may see, and its reply. */
export const sessionsSendTool = defineTool({
  name: 'sessions_send',
  description: 'Send a message to a session you may look at (e.g. a sub-agent you spawned) and get its reply; timeoutSeconds 0: send without waiting.',
  input: z
    .object({
      sessionKey: z.string().min(1).max(400).describe('the session, as sessions_list shows it'),
      message: z.string().trim().min(1).max(20_000),
      timeoutSeconds: z.number().int().min(0).max(600).default(120).describe('how long to wait for the reply'),
    })
    .strict(),
  async run({ sessionKey, message, timeoutSeconds }, context) {
    if (sessionKey === context.sessionKey) throw new ToolError('that is this conversation: answer here instead');
    const reply = await sessionsOf(context).send(sessionKey, message, timeoutSeconds * 1000);
    if (reply === null)
      return timeoutSeconds === 0
        ? `sent to ${sessionKey}`
        : `sent to ${sessionKey}; no reply within ${timeoutSeconds} s (it will still answer there: read it later with sessions_history)`;
    return `${sessionKey} answered:\n${untrusted(`session ${sessionKey}`, reply)}`;
  },
});
