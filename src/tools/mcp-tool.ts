import { z } from 'zod';
import { readableResult } from './mcp-results.js';
import type { McpServers, McpTool } from './mcp-servers.js';
import { ApprovalRequired, ToolError, type Tool } from './tool.js';
import { untrusted } from '../contracts/untrusted.js';

/**
 * An MCP server's tool as one of the agent's tools: the server checks its arguments against its own schema; a tool
 * marked `ask` waits for the user's approval of this exact call; what comes back from a server that is not trusted is
 * marked as outside content, so instructions in it (an issue's text, a web page a server fetched) are not obeyed.
 */
export function mcpAgentTool(tool: McpTool, servers: McpServers, capBytes: number): Tool<Record<string, unknown>> {
  return {
    spec: { name: tool.name, description: tool.description, inputSchema: tool.inputSchema },
    input: z.record(z.string(), z.unknown()),
    mutatesWorkspace: false,
    async run(args, { approved, signal, workspace }) {
      if (tool.ask && !approved) throw new ApprovalRequired(`${tool.name} ${JSON.stringify(args)}`);
      const result = await servers.call(tool, args, signal);
      const { output, images } = await readableResult(result, { workspace, tool: tool.name, capBytes });
      const text = tool.trusted ? output : untrusted(`the MCP server ${tool.server} (${tool.tool})`, output);
      if (result.isError) throw new ToolError(`${tool.name} reported an error:\n${text}`);
      return { output: text, ...(images ? { images } : {}) };
    },
  };
}
