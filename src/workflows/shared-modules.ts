// Loaded once per worker, before any session (see sharedModules in src/workers/workflow-bundle.ts): what it imports is
// shared by every session instead of loaded again for each — zod, the session's messages and the schemas it checks its
// input with (input-validation.ts), most of what a session would otherwise build for itself. Imported as the workflow
// code imports them, so that the bundler resolves the same modules (a `require('zod')` in the SDK's list would load
// zod's CommonJS build beside the one the workflow uses). Only modules without state of their own belong here.
import * as z from 'zod';
import { checkInboundMessage } from './input-validation.js';

/**
 * zod keeps its defaults (English messages, its memoizer) in one global object that it fills when a schema is first
 * made and parsed: filled here, before the SDK freezes what is shared, so that no session has to.
 */
export const sharedModulesReady = z.object({ text: z.string() }).safeParse({ text: 'ready' }).success && typeof checkInboundMessage === 'function';
