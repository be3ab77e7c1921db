import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { agentForMessage, agentIds, agentProfile, defaultAgentId } from '../../src/config/agents.js';
import { loadConfig } from '../../src/config/load.js';
import { runCli } from '../helpers/processes.js';

const home = mkdtempSync(join(tmpdir(), 'clawflow-agents-'));
const configWith = (file: unknown) => {
  writeFileSync(join(home, 'clawflow.json'), JSON.stringify(file));
  return loadConfig({ CLAWFLOW_HOME: home });
};

describe('several agents', () => {
  afterAll(() => rmSync(home, { recursive: true, force: true }));

  it('routes a message by the most specific binding, then the first listed; no binding: the default agent', () => {
    const config = configWith({
      agents: { list: [{ id: 'work' }, { id: 'family' }, { id: 'bot2' }] },
      bindings: [
        { agentId: 'work', match: { channel: 'slack' } },
        { agentId: 'family', match: { channel: 'telegram', peer: { kind: 'group', id: '-100' } } },
        { agentId: 'bot2', match: { channel: 'telegram', accountId: '999' } },
        { agentId: 'work', match: { channel: 'telegram', accountId: '999' } },
      ],
    });
    const route = (channel: string, account: string, chatType: 'direct' | 'group', peerId: string) =>
      agentForMessage(config, { channel, account, chatType, peerId });
    expect(route('slack', 'T1', 'group', 'C1')).toBe('work');
    expect(route('telegram', '999', 'group', '-100')).toBe('family');
    expect(route('telegram', '999', 'direct', '42')).toBe('bot2');
    expect(route('telegram', '111', 'direct', '42')).toBe('main');
    expect(route('telegram', '111', 'direct', '-100')).toBe('main');
    expect(agentIds(config)).toEqual(['main', 'work', 'family', 'bot2']);
  });

  it('gives each agent its own workspace and model; one marked default replaces agent.id', () => {
    const config = configWith({
      agents: {
        list: [
          { id: 'work', model: 'big', workspace: 'offices/work', tools: { deny: ['exec'], execPolicy: 'deny' } },
          { id: 'home', default: true },
        ],
      },
    });
    expect(defaultAgentId(config)).toBe('home');
    expect(agentProfile(config, 'home')).toMatchObject({ isDefault: true, workspaceDir: config.paths.workspaceDir });
    expect(agentProfile(config, 'work')).toMatchObject({
      model: 'big',
      workspaceDir: join(home, 'offices', 'work'),
      deniedTools: ['exec'],
      tools: { exec: { policy: 'deny' } },
    });
    expect(() => agentProfile(config, 'main')).toThrow('there is no agent "main" (agents: home, work; add one to agents.list)');
  });

  it('refuses duplicate ids, two defaults and bindings to no agent, by name', () => {
    expect(() => configWith({ agents: { list: [{ id: 'a' }, { id: 'a' }] } })).toThrow(/agents\.list: the id "a" is listed twice/);
    expect(() =>
      configWith({
        agents: {
          list: [
            { id: 'a', default: true },
            { id: 'b', default: true },
          ],
        },
      }),
    ).toThrow(/only one agent can be the default \(a, b/);
    expect(() => configWith({ bindings: [{ agentId: 'nobody', match: { channel: 'telegram' } }] })).toThrow(
      /bindings\[0\]\.agentId: there is no agent "nobody" \(agents: main\)/,
    );
  });

  it('adds, lists and removes agents from the CLI, keeping the old file beside the new', async () => {
    configWith({ model: { name: 'echo-default' } });
    const env = { ...process.env, CLAWFLOW_HOME: home };
    const added = await runCli(['agents', 'add', 'work', '--model', 'big', '--bind', 'telegram:direct:42', '--bind', 'slack'], env);
    expect(added.code, added.output).toBe(0);
    expect(added.output).toContain('Added agent work. Wrote ');
    const listed = await runCli(['agents', 'list', '--json'], env);
    expect(JSON.parse(listed.output.slice(listed.output.indexOf('[')))).toEqual([
      expect.objectContaining({ id: 'main', default: true, model: 'echo-default', bindings: [] }),
      expect.objectContaining({ id: 'work', default: false, model: 'big', workspace: join(home, 'workspace-work'), bindings: ['telegram direct 42', 'slack'] }),
    ]);
    const refused = await runCli(['agents', 'add', 'work'], env);
    expect(refused.code).not.toBe(0);
    expect(refused.output).toContain('there already is an agent "work"');
    const badBind = await runCli(['agents', 'add', 'x', '--bind', 'telegram:dm:1'], env);
    expect(badBind.output).toContain('--bind telegram:dm:1: use <channel>, <channel>:direct:<sender id> or <channel>:group:<chat id>');
    const removed = await runCli(['agents', 'remove', 'work'], env);
    expect(removed.code, removed.output).toBe(0);
    expect(JSON.parse(readFileSync(join(home, 'clawflow.json'), 'utf8'))).toEqual({ model: { name: 'echo-default' }, agents: { list: [] }, bindings: [] });
    expect(JSON.parse(readFileSync(join(home, 'clawflow.json.bak'), 'utf8')).agents.list).toEqual([{ id: 'work', model: 'big' }]);
  });
});
