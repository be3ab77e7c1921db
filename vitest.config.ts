import { join } from 'node:path';
import { defineConfig } from 'vitest/config';
import { statePaths } from './src/config/paths.js';
import { SlowestFirst } from './test/helpers/slowest-first.js';

/**
 * Files that take the longest: the upgrade from the previous release, chaos, fuzzing, the clusters (and a rolling deploy on one), 300 turns, every
 * release's histories replayed, the Web UI's files fetched and checked.
 */
const slow = [
  ...['upgrade', 'chaos', 'fuzz', 'postgres-cluster', 'temporal-tls-cluster', 'rolling-deploy', 'compaction'].map((name) => `test/integration/${name}.test.ts`),
  'test/histories/replay.test.ts',
  'test/temporal/web-ui-assets.test.ts',
];
/** Files outside test/integration that start processes or need the machine facts the global setup gathers. */
const integrationElsewhere = [
  'test/config/agents.test.ts',
  'test/agent/runtime/model-secret.test.ts',
  'test/cli/service.test.ts',
  'test/cli/onboard.test.ts',
  'test/cli/version.test.ts',
  'test/cli/usage.test.ts',
  'test/cli/machine-commands.test.ts',
  'test/tools/browser.test.ts',
  'test/tools/exec-sandbox.test.ts',
  'test/tools/browser-policy.test.ts',
  'test/workers/worker-roles.test.ts',
  'test/deploy/agentcore-project.test.ts',
  'test/logger.test.ts',
];

export default defineConfig({
  // Vitest keeps each file's last timing here: in the machine's cache, so a fresh clone still runs the slowest first.
  cacheDir: join(statePaths().cacheDir, 'vite'),
  test: {
    pool: 'forks',
    testTimeout: 90_000,
    hookTimeout: 180_000,
    // A poll that names no timeout waits this long (vitest's own 1 s fails on a loaded machine).
    expect: { poll: { timeout: 15_000 } },
    // Two cores: more files at once only makes every worker process slower.
    maxWorkers: 2,
    minWorkers: 1,
    sequence: { sequencer: SlowestFirst },
    projects: [
      // Pure logic: no Temporal, no processes. `npx vitest run --project unit` runs in seconds.
      { extends: true, test: { name: 'unit', include: ['test/**/*.test.ts'], exclude: ['test/integration/**', ...integrationElsewhere, ...slow] } },
      // Real processes against the shared Temporal dev server the global setup starts.
      {
        extends: true,
        test: {
          name: 'integration',
          include: ['test/integration/*.test.ts', ...integrationElsewhere],
          exclude: slow,
          globalSetup: ['test/helpers/global-setup.ts'],
        },
      },
      { extends: true, test: { name: 'slow', include: slow, globalSetup: ['test/helpers/global-setup.ts'] } },
    ],
  },
});
