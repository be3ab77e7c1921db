import type { ConfigFile } from '../config/schema.js';

import type { CheckResult } from '../channels/plugin.js';

/** Asks the configured model for one word, as a turn would (same provider code), within `timeoutMs`. */
export async function checkModel(model: ConfigFile['model'], timeoutMs = 30_000): Promise<CheckResult> {
  const [{ providerFromConfig }, { answerPlainPrompt }] = await Promise.all([import('../agent/providers/index.js'), import('../agent/runtime/agent-turn.js')]);
  try {
    const provider = providerFromConfig(model);
    const answer = await answerPlainPrompt(provider, [{ role: 'user', content: 'Reply with the single word OK.' }], { signal: AbortSignal.timeout(timeoutMs) });
    return { ok: true, detail: `${provider.name} ${provider.model} answered: ${answer.trim().slice(0, 60) || '(an empty answer)'}` };
  } catch (error) {
    return { ok: false, detail: `the model did not answer: ${(error as Error).message}` };
  }
}
