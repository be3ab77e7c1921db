import type { Command } from 'commander';
import { agentIds, agentProfile } from '../../config/agents.js';
import { loadConfig, updateConfigFile } from '../../config/load.js';
import { configWritten } from '../config-written.js';
import { printJson, printTable } from '../output.js';

type Raw = Record<string, unknown>;
type RawAgent = { id: string } & Raw;
type RawBinding = { agentId: string; match: Raw } & Raw;

const agentsListOf = (raw: Raw): RawAgent[] => {
  const agents = (raw.agents ??= {}) as Raw;
  return (agents.list ??= []) as RawAgent[];
};
const bindingsOf = (raw: Raw): RawBinding[] => (raw.bindings ??= []) as RawBinding[];

/** A binding in words: telegram, telegram account 123, telegram direct 42. */
function describeMatch(match: { channel: string; accountId?: string; peer?: { kind: string; id: string } }): string {
  return [match.channel, match.accountId ? `account ${match.accountId}` : '', match.peer ? `${match.peer.kind} ${match.peer.id}` : '']
    .filter(Boolean)
    .join(' ');
}

function saved(result: Parameters<typeof configWritten>[0]): string {
  return `${configWritten(result)} Restart ClawFlow to apply it.`;
}

export function registerAgents(program: Command): void {
  const agents = program.command('agents').description('several agents, each with its own workspace, model and tools; bindings route chats to them');
  agents
    .command('list')
    .description('the agents, their workspaces and models, and the chats bound to each')
    .option('--json', 'print JSON')
    .action((options: { json?: boolean }) => {
      const config = loadConfig();
      const rows = agentIds(config).map((id) => {
        const profile = agentProfile(config, id);
        return {
          id,
          default: profile.isDefault,
          ...(profile.name ? { name: profile.name } : {}),
          workspace: profile.workspaceDir,
          model: profile.model ?? config.model.name ?? `(${config.model.provider} default)`,
          ...(profile.deniedTools.length ? { deniedTools: profile.deniedTools } : {}),
          bindings: config.bindings.filter((b) => b.agentId === id).map((b) => describeMatch(b.match)),
        };
      });
      if (options.json) return printJson(rows);
      printTable(
        rows.map((r) => ({
          id: r.default ? `${r.id} (default)` : r.id,
          model: r.model,
          workspace: r.workspace,
          bindings: r.bindings.join('; ') || (r.default ? '(everything not bound elsewhere)' : ''),
        })),
        '',
      );
    });
  agents
    .command('add')
    .description('adds an agent to agents.list (its workspace is made at the next start)')
    .argument('<id>', 'lowercase letters, digits, "-" and "_"')
    .option('--workspace <dir>', 'its workspace (default: <CLAWFLOW_HOME>/workspace-<id>)')
    .option('--model <name>', 'the model it answers with, one the configured provider serves (default: model.name)')
    .option('--name <name>', 'what it is called')
    .option(
      '--bind <channel>',
      'route a channel to it, optionally one chat: telegram, telegram:direct:42, slack:group:C0123 (repeatable)',
      (value: string, all: string[]) => [...all, value],
      [],
    )
    .action(async (id: string, options: { workspace?: string; model?: string; name?: string; bind: string[] }) => {
      const config = loadConfig();
      if (agentIds(config).includes(id)) throw new Error(`there already is an agent "${id}" (clawflow agents list)`);
      const result = await updateConfigFile(process.env, (raw) => {
        agentsListOf(raw).push({
          id,
          ...(options.workspace ? { workspace: options.workspace } : {}),
          ...(options.model ? { model: options.model } : {}),
          ...(options.name ? { name: options.name } : {}),
        });
        for (const bind of options.bind) {
          const [channel, kind, ...peer] = bind.split(':');
          if (kind && kind !== 'direct' && kind !== 'group')
            throw new Error(`--bind ${bind}: use <channel>, <channel>:direct:<sender id> or <channel>:group:<chat id>`);
          bindingsOf(raw).push({ agentId: id, match: { channel, ...(kind ? { peer: { kind, id: peer.join(':') } } : {}) } });
        }
      });
      process.stdout.write(`Added agent ${id}. ${saved(result)}\n`);
    });
  agents
    .command('remove')
    .description('removes an agent from agents.list, and its bindings (its workspace and sessions stay)')
    .argument('<id>')
    .action(async (id: string) => {
      const config = loadConfig();
      if (!config.agents.list.some((a) => a.id === id))
        throw new Error(`agents.list has no agent "${id}"${id === config.agent.id ? ' (the default agent, agent.id, cannot be removed)' : ''}`);
      const result = await updateConfigFile(process.env, (raw) => {
        const agentsRaw = raw.agents as Raw;
        agentsRaw.list = agentsListOf(raw).filter((a) => a.id !== id);
        raw.bindings = bindingsOf(raw).filter((b) => b.agentId !== id);
      });
      process.stdout.write(`Removed agent ${id}; its workspace (${agentProfile(config, id).workspaceDir}) and its sessions are kept. ${saved(result)}\n`);
    });
}
