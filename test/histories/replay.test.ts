import { fileURLToPath } from 'node:url';
import { bundleWorkflowCode, Worker } from '@temporalio/worker';
import { DeterminismViolationError } from '@temporalio/workflow';
import { beforeAll, describe, expect, it } from 'vitest';
import { statePaths } from '../../src/config/paths.js';
import { createLogger } from '../../src/logger.js';
import { loadWorkflowBundle } from '../../src/workers/workflow-bundle.js';
import { tracingWorkflowModule } from '../../src/telemetry/tracing.js';
import { readFixture, releases, replayFixtures } from './fixtures.js';

const known = releases();

describe('running sessions outlive upgrades: every committed history of every release replays on today’s workflow code', () => {
  let code: string;

  beforeAll(async () => {
    ({ code } = await loadWorkflowBundle(statePaths().cacheDir, createLogger('silent')));
  });

  it('has the histories of the first release', () => {
    expect(known.map((r) => r.version)).toContain('v0.1.0');
  });

  for (const release of known) {
    it(`replays the ${release.histories.length} histories of ${release.version} (${release.commit.slice(0, 12)})`, async () => {
      const fixtures = release.histories.map((name) => readFixture(release.dir, name));
      const { replayed, failures } = await replayFixtures({ code }, `replay-${release.version}`, fixtures);
      expect(replayed).toBe(fixtures.length);
      expect(
        failures.map(({ fixture, message }) => `${release.version}/${fixture.name}.json (${fixture.description}): ${message}`),
        'these running sessions would break on upgrade',
      ).toEqual([]);
    });
  }

  it('replays them all with tracing on too (the trace-carrying workflow interceptor bundled in, tracing.otlpEndpoint)', async () => {
    const traced = await loadWorkflowBundle(statePaths().cacheDir, createLogger('silent'), [tracingWorkflowModule]);
    const failures: string[] = [];
    let replayed = 0;
    for (const release of known) {
      const fixtures = release.histories.map((name) => readFixture(release.dir, name));
      const result = await replayFixtures(traced, `replay-traced-${release.version}`, fixtures);
      failures.push(...result.failures.map(({ fixture, message }) => `${release.version}/${fixture.name}.json: ${message}`));
      replayed += result.replayed;
    }
    expect(replayed).toBe(known.reduce((n, r) => n + r.histories.length, 0));
    expect(failures, `these running sessions would break when tracing is turned on:\n${failures.join('\n')}`).toEqual([]);
  });

  it('opens a history sealed with its key, and cannot replay it without (the key is what the replay runs on)', async () => {
    const sealed = known.flatMap((release) => release.histories.map((name) => readFixture(release.dir, name))).filter((f) => f.historyKey);
    expect(sealed.length).toBeGreaterThan(0);
    expect((await replayFixtures({ code }, 'replay-sealed', sealed)).failures).toEqual([]);
    const keyless = sealed.map(({ historyKey: _key, ...rest }) => rest);
    expect((await replayFixtures({ code }, 'replay-keyless', keyless)).failures.length).toBe(sealed.length);
  });

  it('notices a workflow change that would break them (the check can fail)', async () => {
    const changed = await bundleWorkflowCode({
      workflowsPath: fileURLToPath(new URL('../fixtures/workflows/changed-session-workflow.ts', import.meta.url)),
      logger: { log: () => undefined, trace: () => undefined, debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined },
    });
    const fixture = readFixture(known[0]!.dir, 'plain-turns');
    const error = await Worker.runReplayHistory({ workflowBundle: changed }, fixture.parsed, fixture.workflowId).then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(DeterminismViolationError);
  });
});
