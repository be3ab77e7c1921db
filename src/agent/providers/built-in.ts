import type { ClawflowConfig } from '../../config/load.js';

/**
 * Which built-in model answers for this configuration — `demo` (asked for by name, `CLAWFLOW_MODEL=demo`) or `echo`
 * (no model configured) — or null for a real one. The runtime, `npm start`, `onboard` and `doctor` all ask this.
 */
export function builtInModel(model: Pick<ClawflowConfig['model'], 'provider' | 'baseUrl' | 'name'>): 'demo' | 'echo' | null {
  if (model.provider !== 'openai-compatible' || model.baseUrl) return null;
  return model.name === 'demo' ? 'demo' : 'echo';
}

/** What a person is told about a built-in model. */
export const builtInModelNote = {
  demo: 'the built-in demo model: it follows simple cues ("run: <command>", "read: <file>", "remember: <fact>") to show tools, approvals and memory',
  echo: 'none configured: replies come from the built-in echo provider',
} as const;
