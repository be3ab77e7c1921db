import { z } from 'zod';
import type { ToolCall, ToolResult } from '../runtime/contract.js';
import { currentTimeTool } from '../tools/catalog.js';

export interface RunToolInput {
  sessionKey: string;
  call: ToolCall;
}

const currentTimeInput = z.object({ timezone: z.string().min(1).optional() }).strict();

function currentTime(input: unknown, now: Date): string {
  const { timezone } = currentTimeInput.parse(input);
  const zone = timezone ?? Intl.DateTimeFormat().resolvedOptions().timeZone;
  const local = new Intl.DateTimeFormat('en-GB', { dateStyle: 'full', timeStyle: 'long', timeZone: zone }).format(now);
  return JSON.stringify({ iso: now.toISOString(), timezone: zone, local });
}

const tools: Record<string, (input: unknown, now: Date) => string> = {
  [currentTimeTool.name]: currentTime,
};

/** The tools of the `clawflow-tools` task queue: they run on the user's host. */
export function createToolActivities(clock: () => Date = () => new Date()) {
  return {
    /** Runs one tool call. A tool's own failure is answered to the model (isError), not thrown: it may recover. */
    runTool({ call }: RunToolInput): Promise<ToolResult> {
      const tool = tools[call.name];
      const result = (output: string, isError: boolean): ToolResult => ({ callId: call.id, name: call.name, output, isError });
      if (!tool) return Promise.resolve(result(`unknown tool "${call.name}"; available: ${Object.keys(tools).join(', ')}`, true));
      try {
        return Promise.resolve(result(tool(call.input, clock()), false));
      } catch (error) {
        const message = error instanceof z.ZodError ? error.issues.map((i) => `${i.path.join('.') || 'input'}: ${i.message}`).join('; ') : (error as Error).message;
        return Promise.resolve(result(`${call.name} failed: ${message}`, true));
      }
    },
  };
}

export type ToolActivities = ReturnType<typeof createToolActivities>;
