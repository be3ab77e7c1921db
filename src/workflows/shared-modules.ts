// Loaded once per worker, before any session (see sharedModules in src/workers/workflow-bundle.ts): what it imports is
// shared by every session instead of loaded again for each. zod's code is half of what a session would otherwise hold
// of its own; the schemas stay each session's own (zod finishes a schema on its first parse, which the SDK's freezing
// of shared modules would forbid). Imported as the workflow code imports it, so that the bundler resolves the same
// modules (a `require('zod')` in the SDK's list would load zod's CommonJS build beside the one the workflow uses).
import * as z from 'zod';

/**
 * zod keeps its defaults (English messages, its memoizer) in one global object that it fills when the first schema is
 * made: filled here, before the SDK freezes what is shared, so that no session has to.
 */
export const zodReady = z.object({ text: z.string() }).safeParse({ text: 'ready' }).success;
