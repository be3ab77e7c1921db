import { isAbsolute, join, resolve } from 'node:path';
import { homedir } from 'node:os';
import type { ConfigFile } from './schema.js';

type AgentsConfig = Pick<ConfigFile, 'agent' | 'agents' | 'bindings' | 'tools'> & { paths: { home: string; workspaceDir: string } };

/** One agent as the host runs it: its workspace, its model, the tools configuration it is given. */
export interface AgentProfile {
  id: string;
  name?: string;
  isDefault: boolean;
  workspaceDir: string;
  /** The model it answers with; undefined: the provider's model.name. */
  model?: string;
  tools: ConfigFile['tools'];
  /** Tools it is not offered. */
  deniedTools: readonly string[];
}

/** The agent that answers what no binding routes elsewhere, and that a session key without an agent part names. */
export function defaultAgentId(config: Pick<ConfigFile, 'agent' | 'agents'>): string {
  return config.agents.list.find((a) => a.default)?.id ?? config.agent.id;
}

/** Every agent this install has: the default one first, then agents.list. */
export function agentIds(config: Pick<ConfigFile, 'agent' | 'agents'>): string[] {
  return [...new Set([defaultAgentId(config), ...config.agents.list.map((a) => a.id)])];
}

function expand(dir: string): string {
  return resolve(dir.startsWith('~/') ? join(homedir(), dir.slice(2)) : dir);
}

/** The id, if this install has that agent; otherwise an error naming those it has. */
export function requireAgent(config: Pick<ConfigFile, 'agent' | 'agents'>, id: string): string {
  const known = agentIds(config);
  if (!known.includes(id)) throw new Error(`there is no agent "${id}" (agents: ${known.join(', ')}; add one to agents.list)`);
  return id;
}

/** An agent's settings; an id this install does not have is an error naming those it has. */
export function agentProfile(config: AgentsConfig, id: string): AgentProfile {
  requireAgent(config, id);
  const entry = config.agents.list.find((a) => a.id === id);
  const isDefault = id === defaultAgentId(config);
  const workspaceDir = entry?.workspace
    ? isAbsolute(entry.workspace) || entry.workspace.startsWith('~/')
      ? expand(entry.workspace)
      : resolve(config.paths.home, entry.workspace)
    : isDefault
      ? config.paths.workspaceDir
      : join(config.paths.home, `workspace-${id}`);
  const tools = entry?.tools.execPolicy ? { ...config.tools, exec: { ...config.tools.exec, policy: entry.tools.execPolicy } } : config.tools;
  return {
    id,
    ...(entry?.name ? { name: entry.name } : {}),
    isDefault,
    workspaceDir,
    ...(entry?.model ? { model: entry.model } : {}),
    tools,
    deniedTools: entry?.tools.deny ?? [],
  };
}

/** What a message tells about where it came from, for routing it to an agent. */
export interface MessageOrigin {
  channel: string;
  account: string;
  chatType: 'direct' | 'group';
  /** The sender (a direct chat) or the chat (a group). */
  peerId: string;
}

/**
 * The agent a message goes to (OpenClaw's bindings): a binding naming its chat beats one naming its account, which
 * beats one naming only its channel; among equals the first listed wins; no binding: the default agent.
 */
export function agentForMessage(config: Pick<ConfigFile, 'agent' | 'agents' | 'bindings'>, origin: MessageOrigin): string {
  let best: { agentId: string; rank: number } | null = null;
  for (const { agentId, match } of config.bindings) {
    if (match.channel !== origin.channel) continue;
    if (match.accountId !== undefined && match.accountId !== origin.account) continue;
    if (match.peer && (match.peer.kind !== origin.chatType || match.peer.id !== origin.peerId)) continue;
    const rank = match.peer ? 3 : match.accountId !== undefined ? 2 : 1;
    if (!best || rank > best.rank) best = { agentId, rank };
  }
  return best?.agentId ?? defaultAgentId(config);
}

/** Problems with agents and bindings a schema cannot see: duplicate ids, two defaults, bindings or hooks to no agent. */
export function agentsProblems(config: Pick<ConfigFile, 'agent' | 'agents' | 'bindings'> & Partial<Pick<ConfigFile, 'hooks' | 'model'>>): string[] {
  const problems: string[] = [];
  const seen = new Set<string>();
  config.agents.list.forEach((agent, index) => {
    if (seen.has(agent.id)) problems.push(`agents.list: the id "${agent.id}" is listed twice`);
    seen.add(agent.id);
    // Without an endpoint the built-in model answers, and it has nothing to fail over from.
    if (agent.fallbacks?.length && config.model?.provider === 'openai-compatible' && !config.model.baseUrl) {
      problems.push(`agents.list[${index}].fallbacks: fallbacks need a configured model first (model.baseUrl and model.name)`);
    }
  });
  const defaults = config.agents.list.filter((a) => a.default).map((a) => a.id);
  if (defaults.length > 1) problems.push(`agents.list: only one agent can be the default (${defaults.join(', ')} say default: true)`);
  const known = new Set(agentIds(config));
  config.bindings.forEach((binding, index) => {
    if (!known.has(binding.agentId)) problems.push(`bindings[${index}].agentId: there is no agent "${binding.agentId}" (agents: ${[...known].join(', ')})`);
  });
  for (const [name, hook] of Object.entries(config.hooks ?? {})) {
    if (hook.agent && !known.has(hook.agent)) problems.push(`hooks.${name}.agent: there is no agent "${hook.agent}" (agents: ${[...known].join(', ')})`);
  }
  return problems;
}

/** The models a runtime must offer besides model.name: the /model choices and every agent's own model. */
export function offeredModelNames(config: Pick<ConfigFile, 'model' | 'agents'>): string[] {
  return [...new Set([...config.model.choices, ...config.agents.list.flatMap((a) => (a.model ? [a.model] : []))])];
}
