import type { ModelPrice } from '../config/sections/budget.js';

/**
 * List prices of common models, dollars per million tokens, as their makers published them in 2025. Prices change:
 * `model.pricing` overrides any of them and adds the models you use; a model in neither has no cost (its tokens still
 * count against token budgets).
 */
export const builtInPrices: Readonly<Record<string, ModelPrice>> = {
  'gpt-4o': { input: 2.5, output: 10, cachedInput: 1.25 },
  'gpt-4o-mini': { input: 0.15, output: 0.6, cachedInput: 0.075 },
  'gpt-4.1': { input: 2, output: 8, cachedInput: 0.5 },
  'gpt-4.1-mini': { input: 0.4, output: 1.6, cachedInput: 0.1 },
  'o3-mini': { input: 1.1, output: 4.4, cachedInput: 0.55 },
  'claude-opus-4-1': { input: 15, output: 75, cachedInput: 1.5 },
  'claude-sonnet-4-5': { input: 3, output: 15, cachedInput: 0.3 },
  'claude-sonnet-4': { input: 3, output: 15, cachedInput: 0.3 },
  'claude-haiku-4-5': { input: 1, output: 5, cachedInput: 0.1 },
  'gemini-2.5-pro': { input: 1.25, output: 10, cachedInput: 0.31 },
  'gemini-2.5-flash': { input: 0.3, output: 2.5, cachedInput: 0.075 },
  'llama-3.3-70b-versatile': { input: 0.59, output: 0.79 },
  'mistral-large-latest': { input: 2, output: 6 },
};

/**
 * The price of `model`: the configured one, else the built-in one, matched by the name as given, without a router's
 * `vendor/` prefix (OpenRouter) or a `vendor.` prefix (Bedrock), and then by the longest known name it starts with (a
 * dated version: `gpt-4o-2024-08-06` is `gpt-4o`). Null when nothing matches.
 */
export function priceOf(model: string, configured: Readonly<Record<string, ModelPrice>> = {}): ModelPrice | null {
  const names = [model, model.slice(model.lastIndexOf('/') + 1), model.replace(/^[a-z]+\./, '')];
  for (const table of [configured, builtInPrices]) {
    for (const name of names) if (table[name]) return table[name];
    for (const name of names) {
      const known = Object.keys(table)
        .filter((key) => name.startsWith(key))
        .sort((a, b) => b.length - a.length)[0];
      if (known) return table[known]!;
    }
  }
  return null;
}

/** What tokens cost at `price`, in dollars; cached input tokens are part of the input tokens. */
export function costOf(usage: { inputTokens: number; outputTokens: number; cachedTokens?: number }, price: ModelPrice): number {
  const cached = Math.min(usage.cachedTokens ?? 0, usage.inputTokens);
  const perMillion = (usage.inputTokens - cached) * price.input + cached * (price.cachedInput ?? price.input) + usage.outputTokens * price.output;
  return perMillion / 1_000_000;
}
