import { z } from 'zod';
import type { ClawflowConfig } from '../config/load.js';
import type { ToolSpec } from '../contracts/agent-runtime.js';
import type { Artifact } from '../contracts/session-records.js';
import type { BrowserPool } from './browser-pool.js';

/** What a tool call may use: the workspace it is confined to, the session it serves, cancellation. */
export interface ToolContext {
  workspace: string;
  /** ClawFlow's own files (configuration, secrets, channel logins, database, transcripts): never read or written by a tool. */
  protectedPaths: readonly string[];
  sessionKey: string;
  config: ClawflowConfig['tools'];
  signal: AbortSignal;
  browsers: BrowserPool;
  /** Set when the user approved this very call (exec under the `ask` policy). */
  approved: boolean;
}

export interface ToolOutput {
  output: string;
  artifacts?: Artifact[];
}

/** A refusal or failure the model should read and act on; never a crashed turn. */
export class ToolError extends Error {
  override name = 'ToolError';
}

/** The call needs the user's approval first (exec under the `ask` policy); the session asks and calls again. */
export class ApprovalRequired extends Error {
  override name = 'ApprovalRequired';
  constructor(readonly subject: string) {
    super(`approval required: ${subject}`);
  }
}

export interface Tool<Input = unknown> {
  spec: ToolSpec;
  input: z.ZodType<Input>;
  /** Whether this host offers the tool at all (a tool the configuration switches off is not shown to the model). */
  enabled?(config: ClawflowConfig['tools']): boolean;
  /** Calls may change the workspace files the system prompt is built from. */
  mutatesWorkspace: boolean;
  run(input: Input, context: ToolContext): Promise<string | ToolOutput>;
}

/** One tool: its name, what the model reads about it, its input schema (the JSON Schema is derived from it) and its code. */
export function defineTool<Schema extends z.ZodType>(definition: {
  name: string;
  description: string;
  input: Schema;
  enabled?(config: ClawflowConfig['tools']): boolean;
  mutatesWorkspace?: boolean;
  run(input: z.output<Schema>, context: ToolContext): Promise<string | ToolOutput>;
}): Tool<z.output<Schema>> {
  const inputSchema = z.toJSONSchema(definition.input, { io: 'input' }) as Record<string, unknown>;
  delete inputSchema.$schema;
  return {
    spec: { name: definition.name, description: definition.description, inputSchema },
    input: definition.input as unknown as z.ZodType<z.output<Schema>>,
    ...(definition.enabled ? { enabled: definition.enabled } : {}),
    mutatesWorkspace: definition.mutatesWorkspace ?? false,
    run: definition.run,
  };
}
