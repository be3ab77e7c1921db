import { spawnSync } from 'node:child_process';
import { accessSync, constants, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { statePaths } from '../../src/config/paths.js';

/**
 * Temporal's time-skipping test server (Java): CLAWFLOW_TEMPORAL_TEST_SERVER names its executable, else the newest one
 * `.ci/temporal-test-server` put in the per-machine cache. Null, with why and how to get it, when there is none or Java
 * does not run. (@temporalio/testing's own download reaches a host this machine cannot.)
 */
export function timeSkippingServer(): { path: string } | { missing: string } {
  const fetch = 'bash .ci/temporal-test-server fetches it from Maven Central (Java 17 and Maven)';
  let path = process.env.CLAWFLOW_TEMPORAL_TEST_SERVER;
  if (!path) {
    const dir = join(statePaths().cacheDir, 'temporal-test-server');
    let versions: string[] = [];
    try {
      versions = readdirSync(dir).sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
    } catch {
      // nothing fetched yet
    }
    const newest = versions.at(-1);
    if (!newest) return { missing: `Temporal's time-skipping test server is not fetched (${fetch})` };
    path = join(dir, newest, 'temporal-test-server');
  }
  try {
    accessSync(path, constants.X_OK);
  } catch {
    return { missing: `${path} is not an executable (${fetch})` };
  }
  if (spawnSync('java', ['-version'], { stdio: 'ignore' }).status !== 0) return { missing: 'Java does not run here (apt-get install default-jre-headless)' };
  return { path };
}

/** A time-skipping test server of the test's own, on a free loopback port: time moves on only when `env.sleep` says so. */
export async function startTimeSkipping(): Promise<TestWorkflowEnvironment> {
  const server = timeSkippingServer();
  if ('missing' in server) throw new Error(server.missing);
  return TestWorkflowEnvironment.createTimeSkipping({ server: { executable: { type: 'existing-path', path: server.path } } });
}
