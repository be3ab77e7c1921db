import { fileURLToPath } from 'node:url';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));
const probe = fileURLToPath(new URL('../../src/workflows/lint-probe.ts', import.meta.url));
/** Probe files that are not in the project (linted as text at these paths). */
const probePaths = [
  'src/workflows/lint-probe.ts',
  'src/workflows/session/lint-probe.ts',
  'src/stack/lint-probe.ts',
  'src/connectors/lint-probe.ts',
  'src/tools/lint-probe.ts',
];
const eslint = new ESLint({
  cwd: root,
  overrideConfig: { languageOptions: { parserOptions: { projectService: { allowDefaultProject: probePaths }, tsconfigRootDir: root } } },
});

/** A workflow file that breaks every rule the boundary has, one per line. */
const probeSource = `import { readFile } from 'node:fs/promises';
import { EventEmitter } from 'node:events';
import { inspect } from 'util';
import { startRuntime } from '../agent/runtime/server.js';
import { TelegramAdapter } from '../channels/telegram/adapter.js';
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

describe('lint keeps the folders in their order and each channel to its folder (probe files in tools, a channel manifest, the shared connector code and the stack)', () => {
  const lint = async (path: string, source: string): Promise<string[]> => {
    // Linted as text, never written; a path of the project's own (a real manifest) is in its tsconfig already. One
    // ESLint for every probe: TypeScript's project service is made once per process, with the first one's files.
    const [result] = await eslint.lintText(source, { filePath: fileURLToPath(new URL(`../../${path}`, import.meta.url)) });
    return result!.messages.map((m) => `${m.line}:${m.ruleId}`);
  };
  const rule = '@typescript-eslint/no-restricted-imports';

  it("refuses a platform's library outside its channel, a channel in the shared connector code, and anything but zod and contracts in a manifest", async () => {
    expect(
      await lint(
        'src/stack/lint-probe.ts',
        `import { Bot } from 'grammy';\nimport { Client } from 'discord.js';\nimport type { WAMessage } from 'baileys';\nexport const probe: unknown[] = [Bot, Client, {} as WAMessage, await import('baileys')];\n`,
      ),
    ).toEqual([`1:${rule}`, `2:${rule}`, '4:no-restricted-syntax']);
    expect(
      await lint(
        'src/connectors/lint-probe.ts',
        `import { runtime } from '../channels/telegram/runtime.js';\nimport { channelManifests } from '../channels/manifests.js';\nimport type { ChannelContext } from '../channels/plugin.js';\nexport const probe: unknown[] = [runtime, channelManifests, {} as ChannelContext, await import('../channels/runtimes.js')];\n`,
      ),
    ).toEqual([`1:${rule}`, `2:${rule}`, `3:${rule}`, '4:no-restricted-syntax']);
    expect(
      await lint(
        'src/channels/telegram/manifest.ts',
        `import { z } from 'zod';\nimport { TelegramAdapter } from './adapter.js';\nimport { loadConfig } from '../../config/load.js';\nimport { port } from '../../contracts/config-fields.js';\nimport { channelAccess } from '../access.js';\nexport const probe: unknown[] = [z, TelegramAdapter, loadConfig, port, channelAccess];\n`,
      ),
    ).toEqual([`2:${rule}`, `3:${rule}`]);
  }, 120_000);

  it("refuses an import from a folder above the file's own in the README's map, types and import() too; a channel's manifest is below the configuration", async () => {
    expect(
      await lint(
        'src/tools/lint-probe.ts',
        `import { sendMessage } from '../session-client/session-client.js';\nimport type { ScheduleClient } from '../schedules/schedule-client.js';\nimport { channelManifests } from '../channels/manifests.js';\nimport { loadConfig } from '../config/load.js';\nexport const probe: unknown[] = [sendMessage, {} as ScheduleClient, channelManifests, loadConfig, await import('../cli/main.js')];\n`,
      ),
    ).toEqual([`1:${rule}`, `2:${rule}`, '5:no-restricted-syntax']);
    // Workflow code at every depth: src/'s own files (the logger, pino; the redactor) are not workflow files.
    const workflowValues = (up: string): string =>
      `import { createLogger } from '${up}logger.js';\nimport { redactDeep } from '${up}redaction.js';\nimport { sessionKey } from '${up}contracts/session-key.js';\nexport const probe: unknown[] = [createLogger, redactDeep, sessionKey];\n`;
    expect(await lint('src/workflows/lint-probe.ts', workflowValues('../'))).toEqual([`1:${rule}`, `2:${rule}`]);
    expect(await lint('src/workflows/session/lint-probe.ts', workflowValues('../../'))).toEqual([`1:${rule}`, `2:${rule}`]);
    expect(
      await lint('src/workflows/session/lint-probe.ts', `import { taskQueues } from '../task-queues.js';\nexport const probe: unknown[] = [taskQueues];\n`),
    ).toEqual([]);
  }, 120_000);
});
