import { createHash, randomUUID } from 'node:crypto';
import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import { defaultAgentId } from '../config/agents.js';
import type { ClawflowConfig } from '../config/load.js';
import type { SessionClientConfig } from '../session-client/session-client.js';
import { mainSessionKey, sessionKey } from '../contracts/session-key.js';
import { parseChatTarget } from '../contracts/session-records.js';
import { untrusted } from '../contracts/untrusted.js';
import type { ScheduledTurnInput, ScheduledTurnWorkflow } from '../workflows/scheduled-turn-workflow.js';
import { taskQueues } from '../workflows/task-queues.js';

/** The field at a dot path of a JSON body (`delivery.id`), or undefined. */
function valueAt(body: unknown, path: string): unknown {
  let node = body;
  for (const key of path.split('.')) node = node !== null && typeof node === 'object' ? (node as Record<string, unknown>)[key] : undefined;
  return node;
}

/**
 * A hook's message: the owner's template, its `{{field.path}}` placeholders filled from the body (`{{body}}`: the
 * whole body), each value between the untrusted-content markers — the sender's words are information for the agent,
 * never instructions, as a web page's are.
 */
export function renderHookMessage(template: string, body: unknown, hookName: string): string {
  return template.replace(/\{\{\s*([\w.-]+)\s*\}\}/g, (_, path: string) => {
    const value = path === 'body' ? body : valueAt(body, path);
    if (value === undefined || value === null) return '';
    const text = typeof value === 'string' ? value : JSON.stringify(value, null, path === 'body' ? 2 : undefined);
    return untrusted(`the webhook ${hookName} (${path === 'body' ? 'its body' : `field ${path}`})`, text);
  });
}

/**
 * The part of a hook turn's workflow id and session key that names the delivery: readable where the key is, and a
 * hash of the whole key, so that keys differing anywhere (`build/1` and `build_1`, two long ones) never meet.
 */
export function deliveryKey(raw: string): string {
  const readable = raw.replace(/[^\w.-]/g, '_').slice(0, 40);
  return `${readable}~${createHash('sha256').update(raw).digest('hex').slice(0, 32)}`;
}

export class UnknownHookError extends Error {
  override name = 'UnknownHookError';
}

export interface HookAccepted {
  /** `accepted`: a turn was started; `duplicate`: this idempotency key already started one (nothing new runs). */
  status: 'accepted' | 'duplicate';
  workflowId: string;
  sessionKey: string;
}

/**
 * A webhook call: its body becomes a message to the agent in a workflow of its own (the same one a cron firing runs),
 * which answers in the hook's session and sends the answer where the hook says, once. The workflow id is the hook
 * and the caller's idempotency key: a sender that retries starts nothing more, during the turn or after it.
 */
export async function startHookTurn(
  client: Client,
  config: SessionClientConfig & Pick<ClawflowConfig, 'hooks'>,
  name: string,
  body: unknown,
  idempotencyHeader: string | undefined,
): Promise<HookAccepted> {
  const hook = Object.hasOwn(config.hooks, name) ? config.hooks[name] : undefined;
  if (!hook)
    throw new UnknownHookError(
      `no hook "${name}"${Object.keys(config.hooks).length ? ` (hooks: ${Object.keys(config.hooks).join(', ')})` : ': configure one under hooks in clawflow.json'}`,
    );
  const fromBody = hook.idempotencyField ? valueAt(body, hook.idempotencyField) : undefined;
  const key = idempotencyHeader ?? (typeof fromBody === 'string' || typeof fromBody === 'number' ? String(fromBody) : randomUUID());
  const safeKey = deliveryKey(key);
  const workflowId = `hook:${name}:${safeKey}`;
  const agentId = hook.agent ?? defaultAgentId(config);
  const session = hook.session === 'main' ? mainSessionKey(agentId) : sessionKey(agentId, 'hook', `${name}-${safeKey}`);
  const to = hook.to ? parseChatTarget(hook.to) : null;
  const input: ScheduledTurnInput = {
    agentId,
    scheduleId: `hook:${name}`,
    kind: 'hook',
    jobName: name,
    message: renderHookMessage(hook.message, body, name),
    session: hook.session,
    sessionKey: session,
    ...(to ? { to } : {}),
  };
  try {
    await client.workflow.start<typeof ScheduledTurnWorkflow>('ScheduledTurnWorkflow', {
      workflowId,
      taskQueue: taskQueues.sessions,
      args: [input],
      // Running or finished: the same key never runs a second turn.
      workflowIdConflictPolicy: 'FAIL',
      workflowIdReusePolicy: 'REJECT_DUPLICATE',
    });
    return { status: 'accepted', workflowId, sessionKey: session };
  } catch (error) {
    if (error instanceof WorkflowExecutionAlreadyStartedError) return { status: 'duplicate', workflowId, sessionKey: session };
    throw error;
  }
}
