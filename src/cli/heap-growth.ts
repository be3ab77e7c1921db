import { setFlagsFromString } from 'node:v8';

/**
 * Holds this process's JavaScript heaps (the main thread's and every worker thread's: V8's flags are the process's)
 * to `percent` growth past what they held live at the last full collection (`memory.heapGrowthPercent`). A
 * `--heap-growing-percent` given to Node itself wins; 0 leaves V8 its own choice.
 */
export function holdHeapGrowth(percent: number, execArgv: readonly string[] = process.execArgv): void {
  if (percent <= 0 || execArgv.some((arg) => arg.startsWith('--heap-growing-percent') || arg.startsWith('--heap_growing_percent'))) return;
  setFlagsFromString(`--heap-growing-percent=${percent}`);
}
