import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/helpers/global-setup.ts'],
    pool: 'forks',
    testTimeout: 90_000,
    hookTimeout: 180_000,
    // Two cores: more files at once only makes every worker process slower.
    maxWorkers: 2,
    minWorkers: 1,
  },
});
