import { Api, HttpError } from 'grammy';
import type { CheckResult } from '../plugin.js';

/** Asks Telegram who the bot is (getMe): the token works, and this is its name. */
export async function checkTelegram(token: string, apiRoot?: string): Promise<CheckResult> {
  try {
    const me = await new Api(token, { ...(apiRoot ? { apiRoot } : {}), timeoutSeconds: 15 }).getMe();
    return { ok: true, detail: `the bot is @${me.username} (${me.first_name})` };
  } catch (error) {
    // Not reaching Telegram says nothing of the token: the network failed.
    if (error instanceof HttpError)
      return { ok: false, detail: `could not reach Telegram (${(error as Error).message}): check this machine's network, or --telegram-api-root` };
    return { ok: false, detail: `Telegram refused the token: ${(error as Error).message} (make one with @BotFather: /newbot)` };
  }
}
