import { z } from 'zod';

// What the agent may spend: tokens and dollars, per day and per month, in the schedules' time zone.

/** Limits of one scope (the whole install, or one agent): unset limits do not apply. */
export const budgetLimits = z
  .object({
    /** Tokens (input and output together) a day may use. */
    dailyTokens: z.number().int().min(1).optional(),
    /** Tokens a calendar month may use. */
    monthlyTokens: z.number().int().min(1).optional(),
    /** Dollars a day may cost (from model.pricing). */
    dailyUsd: z.number().positive().optional(),
    /** Dollars a calendar month may cost. */
    monthlyUsd: z.number().positive().optional(),
    /** Percent of a limit at which the owner is told, once per day or month. */
    warnAt: z.number().int().min(1).max(99).default(80),
  })
  .strict()
  .prefault({});
export type BudgetLimits = z.infer<typeof budgetLimits>;

/** Dollars per million tokens of one model. */
export const modelPrice = z
  .object({
    input: z.number().min(0),
    output: z.number().min(0),
    /** Input read from the provider's prompt cache, where it is cheaper (unset: the input price). */
    cachedInput: z.number().min(0).optional(),
  })
  .strict();
export type ModelPrice = z.infer<typeof modelPrice>;

/** Prices by model name, over the built-in table (src/usage/pricing.ts). */
export const pricing = z.record(z.string().min(1).max(200), modelPrice).default({});
