import { Worker as ThreadWorker } from 'node:worker_threads';
import workerThreads from 'node:worker_threads';

/**
 * What each workflow thread runs first: V8's promise hook that the SDK installs to record a stack for every promise a
 * workflow makes (for the stack-trace query, and nothing else) is not installed. Every other promise hook is (an
 * AsyncLocalStorage's: cancellation scopes use one).
 */
const withoutStackCapture = (file: string): string => `
const { promiseHooks } = require('node:v8');
const createHook = promiseHooks.createHook;
promiseHooks.createHook = (hooks) =>
  Object.keys(hooks).join() === 'init,settled' && String(hooks.init).includes('promiseStackStore') ? () => undefined : createHook(hooks);
require(${JSON.stringify(file)});
`;

let applied = false;

/**
 * Workflow threads started from now on (the SDK's pool, `workflow-worker-thread.js`) record no stack per promise:
 * the stack-trace query then has nothing to show, and a warm turn costs a fifth less (temporal.workflowStackTraces).
 * Other threads are left as they are. Idempotent.
 */
export function withoutWorkflowStackTraces(): void {
  if (applied) return;
  applied = true;
  class WorkflowThread extends ThreadWorker {
    constructor(file: string | URL, options?: ConstructorParameters<typeof ThreadWorker>[1]) {
      const path = file instanceof URL ? file.pathname : file;
      if (options?.eval || !/workflow-worker-thread\.js$/.test(path)) super(file, options);
      else super(withoutStackCapture(path), { ...options, eval: true });
    }
  }
  // The SDK reads the class off the module each time it starts a thread.
  (workerThreads as { Worker: typeof ThreadWorker }).Worker = WorkflowThread;
}
