// Bundles the workflow code in a process of its own (started by workflow-bundle.ts): webpack's memory is given back
// when this process exits, instead of staying in the long-running worker until it restarts (≈ 100 MB).
//   node workflow-bundler-process.js '<json: { workflowsPath, interceptorModules, preloadModules, outputFile }>'
import { rename, writeFile } from 'node:fs/promises';
import type { LogLevel, LogMetadata, Logger as TemporalLogger } from '@temporalio/common';
import { bundleWorkflowCode } from '@temporalio/worker';
import { z } from 'zod';

const request = z
  .object({
    workflowsPath: z.string().min(1),
    interceptorModules: z.array(z.string()),
    preloadModules: z.array(z.string()),
    outputFile: z.string().min(1),
  })
  .strict();

/** The bundler's warnings and errors, a line each on stderr: the parent logs them as its own. */
const stderrLogger: TemporalLogger = {
  log(level: LogLevel, message: string) {
    if (level === 'WARN' || level === 'ERROR') process.stderr.write(`${level} ${message.replaceAll('\n', ' ')}\n`);
  },
  trace: () => undefined,
  debug: () => undefined,
  info: () => undefined,
  warn: (message: string, _meta?: LogMetadata) => stderrLogger.log('WARN', message),
  error: (message: string, _meta?: LogMetadata) => stderrLogger.log('ERROR', message),
};

try {
  const { workflowsPath, interceptorModules, preloadModules, outputFile } = request.parse(JSON.parse(process.argv[2] ?? ''));
  const { code } = await bundleWorkflowCode({ workflowsPath, workflowInterceptorModules: interceptorModules, preloadModules, logger: stderrLogger });
  const partial = `${outputFile}.${process.pid}.tmp`;
  await writeFile(partial, code);
  await rename(partial, outputFile);
} catch (error) {
  process.stderr.write(`ERROR ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
}
