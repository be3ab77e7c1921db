import { fileURLToPath } from 'node:url';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));
const probe = fileURLToPath(new URL('../../src/workflows/lint-probe.ts', import.meta.url));

/** A workflow file that breaks every rule the boundary has, one per line. */
const probeSource = `import { readFile } from 'node:fs/promises';
import { EventEmitter } from 'node:events';
import { inspect } from 'util';
import { startRuntime } from '../agent/runtime/server.js';
import { TelegramAdapter } from '../connectors/telegram.js';
import { loadConfig } from '../config/load.js';
import { createToolActivities } from '../activities/tools.js';
import type { ToolActivities } from '../contracts/activities.js';
import type { Logger } from '../logger.js';
import { taskQueues } from './task-queues.js';

export async function probe(logger: Logger, tools: ToolActivities): Promise<unknown> {
  setInterval(() => undefined, 1000);
  const home = process.env.HOME;
  Promise.resolve(tools);
  [1, 2].forEach(async () => undefined);
  return [readFile, EventEmitter, inspect, startRuntime, TelegramAdapter, loadConfig, createToolActivities, taskQueues, home, logger];
}
`;

describe('lint keeps the workflow boundary (a probe file that breaks each rule)', () => {
  it('reports Node built-ins and their subpaths, values from outside workflows and contracts, process and timers, and floating promises', async () => {
    {
      // Linted as text at a workflow path, never written: the workflow bundle's cache key sees no new file.
      const eslint = new ESLint({
        cwd: root,
        overrideConfig: { languageOptions: { parserOptions: { projectService: { allowDefaultProject: ['src/workflows/lint-probe.ts'] }, tsconfigRootDir: root } } },
      });
      const [result] = await eslint.lintText(probeSource, { filePath: probe });
      const found = result!.messages.map((m) => `${m.line}:${m.ruleId}`);
      const expected = [
        '1:@typescript-eslint/no-restricted-imports',
        '2:@typescript-eslint/no-restricted-imports',
        '3:@typescript-eslint/no-restricted-imports',
        '4:@typescript-eslint/no-restricted-imports',
        '5:@typescript-eslint/no-restricted-imports',
        '6:@typescript-eslint/no-restricted-imports',
        '7:@typescript-eslint/no-restricted-imports',
        '13:no-restricted-globals',
        '14:no-restricted-globals',
        '15:@typescript-eslint/no-floating-promises',
        '16:@typescript-eslint/no-misused-promises',
      ];
      for (const line of expected) expect(found, `${line} in ${JSON.stringify(result!.messages, null, 1)}`).toContain(line);
      // Type imports from anywhere and workflow modules are fine.
      expect(found.filter((f) => /^(8|9|10):/.test(f))).toEqual([]);
    }
  }, 120_000);
});
