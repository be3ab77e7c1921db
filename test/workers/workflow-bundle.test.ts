import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logger.js';
import { loadWorkflowBundle } from '../../src/workers/workflow-bundle.js';

describe('the workflow bundle', () => {
  const cacheDir = mkdtempSync(join(tmpdir(), 'clawflow-bundle-'));
  afterAll(() => rmSync(cacheDir, { recursive: true, force: true }));

  it("is built in a process of its own (webpack's memory leaves with it), cached, and read back from the cache", { timeout: 120_000 }, async () => {
    const heapBefore = process.memoryUsage().heapUsed;
    const { code } = await loadWorkflowBundle(cacheDir, createLogger('silent'));
    // webpack's compiler, its module graph and the sources it read stay in the bundling process (tens of MB here).
    expect(process.memoryUsage().heapUsed - heapBefore).toBeLessThan(30 * 1024 * 1024);
    expect(code).toContain('SessionWorkflow');
    expect(code).toContain('ScheduledTurnWorkflow');
    const bundles = readdirSync(join(cacheDir, 'workflow-bundles'));
    // One file, no partial left behind.
    expect(bundles).toHaveLength(1);
    expect(bundles[0]).toMatch(/^[0-9a-f]{24}\.js$/);
    const file = join(cacheDir, 'workflow-bundles', bundles[0]!);
    const written = statSync(file).mtimeMs;
    const again = await loadWorkflowBundle(cacheDir, createLogger('silent'));
    expect(again.code).toBe(code);
    expect(statSync(file).mtimeMs).toBe(written);
  });
});
