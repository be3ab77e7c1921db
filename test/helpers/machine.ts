import { existsSync } from 'node:fs';
import { findChromium } from '../../src/tools/browser-pool.js';
import { resolveExecSandbox } from '../../src/tools/exec-sandbox.js';
import { clusterMissing } from './temporal-cluster.js';
import { timeSkippingServer } from './time-skipping.js';

/**
 * What some tests need that `npm install` cannot bring, each with the reason it is missing and how to get it (null:
 * here). Outside CI those tests skip and the run names them at its end; in CI (CI=true) a missing one fails the run.
 */
export interface MachineNeeds {
  chromium: string | null;
  bubblewrap: string | null;
  cluster: string | null;
  timeSkipping: string | null;
}

export async function machineNeeds(): Promise<MachineNeeds> {
  const chromium = findChromium(undefined);
  const testServer = timeSkippingServer();
  const sandbox = await resolveExecSandbox({ mode: 'auto', network: false, readOnlyPaths: [] });
  return {
    chromium: chromium && existsSync(chromium) ? null : 'Chromium is not installed (apt-get install chromium)',
    bubblewrap: sandbox.sandbox
      ? null
      : `bubblewrap does not run here (${sandbox.summary.replace(/^NOT sandboxed \((.*?)\).*$/, '$1')}; apt-get install bubblewrap)`,
    cluster: clusterMissing(),
    timeSkipping: 'missing' in testServer ? testServer.missing : null,
  };
}

/** What each group of tests is, for the summary. */
export const needNames: Record<keyof MachineNeeds, string> = {
  chromium: 'the browser tests (the browser tool, the WebChat and the Web UI in Chromium, screenshots on the channels)',
  bubblewrap: 'the sandbox tests (commands under bubblewrap)',
  cluster: 'the PostgreSQL cluster test (PostgreSQL and a full Temporal server, built by .ci/temporal-server)',
  timeSkipping: "the long timers (Temporal's time-skipping test server, fetched by .ci/temporal-test-server)",
};
