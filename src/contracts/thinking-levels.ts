// Workflow-safe.

/** How hard the model thinks before it answers (/think, model.thinking). */
export const thinkingLevels = ['off', 'low', 'medium', 'high'] as const;
export type ThinkingLevel = (typeof thinkingLevels)[number];
