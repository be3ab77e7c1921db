// Bundles the floor's workflow into the file given, in its own process, so webpack's memory is not counted.
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { bundleWorkflowCode } from '@temporalio/worker';
import { quietLogger } from './quiet-logger.js';

const { code } = await bundleWorkflowCode({
  workflowsPath: fileURLToPath(new URL('./workflow.ts', import.meta.url)),
  logger: quietLogger,
});
writeFileSync(process.argv[2]!, code);
