// The tools the agent may call, as the model sees them. Workflow-safe: the session workflow offers these specs in
// every invocation; the tools worker runs the calls (src/activities/tools.ts).
import type { ToolSpec } from '../runtime/contract.js';

export const currentTimeTool: ToolSpec = {
  name: 'current_time',
  description: 'The current date and time on the user\'s machine, optionally in another IANA time zone (e.g. "Europe/Paris").',
  inputSchema: {
    type: 'object',
    properties: { timezone: { type: 'string', description: 'IANA time zone name; default: the machine\'s own' } },
    additionalProperties: false,
  },
};

export const toolCatalog: readonly ToolSpec[] = [currentTimeTool];
