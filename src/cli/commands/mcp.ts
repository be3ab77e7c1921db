import type { Command } from 'commander';
import { loadConfig } from '../../config/load.js';
import { mcpServersDir } from '../../config/paths.js';
import { printJson, printTable } from '../output.js';

export function registerMcp(program: Command): void {
  const mcp = program.command('mcp').description('MCP servers whose tools the agent is offered (tools.mcp.servers)');
  mcp
    .command('list')
    .description('each configured MCP server, started here as the tools host starts it: whether it runs, and the tools it offers the agent')
    .option('--json', 'print JSON')
    .action(async (options: { json?: boolean }) => {
      const config = loadConfig();
      const { probeMcpServers } = await import('../../tools/mcp-servers.js');
      const status = await probeMcpServers(config.tools.mcp, mcpServersDir(config.paths));
      if (status.some((s) => s.state === 'failed')) process.exitCode = 1;
      if (options.json) {
        return printJson({
          servers: status.map(({ tools, ...server }) => ({
            ...server,
            tools: tools.map(({ name, tool, description, ask, trusted }) => ({ name, tool, description, ask, trusted })),
          })),
        });
      }
      printTable(
        status.map((s) => ({ server: s.name, state: s.state, tools: s.state === 'connected' ? s.tools.length : '-', target: s.target })),
        'No MCP servers. Add one under tools.mcp.servers, e.g. "github": { "command": "npx", "args": ["-y", "@modelcontextprotocol/server-github"], "env": { "GITHUB_PERSONAL_ACCESS_TOKEN": "${GITHUB_TOKEN}" } }.',
      );
      for (const server of status) {
        if (server.detail) process.stdout.write(`\n${server.name}: ${server.detail}\n`);
        if (server.state !== 'connected' || !server.tools.length) continue;
        process.stdout.write(`\n${server.name}:\n`);
        for (const tool of server.tools) {
          const description = tool.description.replace(`[MCP server ${server.name}] `, '').split('\n')[0]!;
          process.stdout.write(`  ${tool.name}${tool.ask ? ' (asks first)' : ''}  ${description.length > 80 ? `${description.slice(0, 79)}…` : description}\n`);
        }
      }
    });
}
