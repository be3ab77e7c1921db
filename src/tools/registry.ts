import type { ClawflowConfig } from '../config/load.js';
import type { ToolSpec } from '../contracts/agent-runtime.js';
import { browserTool } from './browser.js';
import { cronTool } from './cron.js';
import { currentTimeTool } from './current-time.js';
import { editTool } from './edit.js';
import { execTool } from './exec.js';
import { imageTool } from './image.js';
import { sessionsHistoryTool, sessionsListTool, sessionsSendTool } from './sessions.js';
import { memorySearchTool } from './memory-search.js';
import { readTool } from './read.js';
import type { Tool } from './tool.js';
import { webFetchTool } from './web-fetch.js';
import { webSearchTool } from './web-search.js';
import { writeTool } from './write.js';

/** Every tool the agent can have. Adding a tool means adding its module and one line here. */
export const toolRegistry: ReadonlyMap<string, Tool> = new Map(
  (
    [
      readTool,
      writeTool,
      editTool,
      execTool,
      browserTool,
      webFetchTool,
      webSearchTool,
      imageTool,
      memorySearchTool,
      currentTimeTool,
      cronTool,
      sessionsListTool,
      sessionsHistoryTool,
      sessionsSendTool,
    ] as Tool[]
  ).map((tool) => [tool.spec.name, tool]),
);

/** What this host offers the model: the tools its configuration leaves on. */
export function offeredTools(config: ClawflowConfig['tools']): ToolSpec[] {
  return [...toolRegistry.values()].filter((tool) => tool.enabled?.(config) ?? true).map((tool) => tool.spec);
}
