import { Api, HttpError } from 'grammy';
import type { ConfigFile } from '../config/schema.js';

/** The outcome of one live check: what was found, or why it failed and what to do. */
export type CheckResult = { ok: true; detail: string } | { ok: false; detail: string };

/** Asks the configured model for one word, as a turn would (same provider code), within `timeoutMs`. */
export async function checkModel(model: ConfigFile['model'], timeoutMs = 30_000): Promise<CheckResult> {
  const [{ providerFromConfig }, { answerPlainPrompt }] = await Promise.all([import('../agent/providers/index.js'), import('../agent/runtime/agent-turn.js')]);
  try {
    const provider = providerFromConfig(model);
    const answer = await answerPlainPrompt(provider, 'Reply with the single word OK.', { signal: AbortSignal.timeout(timeoutMs) });
    return { ok: true, detail: `${provider.name} ${provider.model} answered: ${answer.trim().slice(0, 60) || '(an empty answer)'}` };
  } catch (error) {
    return { ok: false, detail: `the model did not answer: ${(error as Error).message}` };
  }
}

/** Asks Telegram who the bot is (getMe): the token works, and this is its name. */
export async function checkTelegram(token: string, apiRoot?: string): Promise<CheckResult> {
  try {
    const me = await new Api(token, { ...(apiRoot ? { apiRoot } : {}), timeoutSeconds: 15 }).getMe();
    return { ok: true, detail: `the bot is @${me.username} (${me.first_name})` };
  } catch (error) {
    // Not reaching Telegram says nothing of the token: the network failed.
    if (error instanceof HttpError) return { ok: false, detail: `could not reach Telegram (${(error as Error).message}): check this machine's network, or --telegram-api-root` };
    return { ok: false, detail: `Telegram refused the token: ${(error as Error).message} (make one with @BotFather: /newbot)` };
  }
}
