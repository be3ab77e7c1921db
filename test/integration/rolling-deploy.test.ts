import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Connection } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseSessionKey, sessionWorkflowId } from '../../src/contracts/session-key.js';
import { pidOfWorker } from '../../src/contracts/worker-identity.js';
import { ensureSearchAttributes } from '../../src/temporal/connection.js';
import { releases } from '../histories/fixtures.js';
import { runCli, spawnCli, type CliProcess } from '../helpers/processes.js';
import { releaseCheckout } from '../helpers/release-checkout.js';
import { clusterMissing, Postgres, TemporalServer } from '../helpers/temporal-cluster.js';
import { TestStack } from '../helpers/test-stack.js';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const current = (JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { version: string }).version;
const missing = clusterMissing();

/**
 * A rolling deploy on a cluster: workers of two builds poll the sessions queue at once. Temporal's Worker Deployments
 * send a session's tasks only to the current build, and a starting worker of a newer release makes its build current,
 * so a session moves forward once and never back to older code, whichever workers still run.
 */
describe.skipIf(missing)('a rolling deploy on a cluster: sessions move to the new build and never back to the old', () => {
  // The newest release before this checkout's version: its workers run unversioned, as every release before 0.11 did.
  const previous = releases()
    .filter((r) => r.version.localeCompare(`v${current}`, undefined, { numeric: true }) < 0)
    .at(-1)!;
  let pg: Postgres;
  let server: TemporalServer;
  let stack: TestStack;
  let checkout: string;

  beforeAll(async () => {
    checkout = releaseCheckout(repoRoot, previous.commit);
    pg = await Postgres.create();
    await pg.start();
    server = await TemporalServer.create(pg, ['clawflow']);
    stack = await TestStack.start({ namespace: 'clawflow', temporalAddress: server.address });
    // Registered (and waited for) the way this release does: a release before 0.10 did not wait for a new cluster to use them.
    await ensureSearchAttributes(stack.client.connection as Connection, 'clawflow');
    stack.model.setReply((r) => `answer to "${String(r.messages.at(-1)?.content)}" with ${r.messages.length - 1} messages of context`);
  }, 420_000);

  afterAll(async () => {
    await stack?.stop();
    await server?.stop();
    await pg?.stop();
  });

  /** The pids of the workers that took each workflow task of the session, in order. */
  async function taskTakers(key: string): Promise<number[]> {
    const history = await stack.client.workflow.getHandle(sessionWorkflowId(parseSessionKey(key))).fetchHistory();
    return (history.events ?? [])
      .filter((e) => e.workflowTaskStartedEventAttributes)
      .map((e) => {
        const identity = e.workflowTaskStartedEventAttributes!.identity ?? '';
        return pidOfWorker(identity) ?? Number(/^(\d+)@/.exec(identity)?.[1] ?? 0);
      });
  }

  async function currentBuild(): Promise<string | null> {
    const { workerDeploymentInfo } = await stack.client.workflowService.describeWorkerDeployment({ namespace: 'clawflow', deploymentName: 'clawflow' });
    return workerDeploymentInfo?.routingConfig?.currentDeploymentVersion?.buildId || null;
  }

  const expectTurn = async (key: string, text: string, turn: number): Promise<void> => {
    expect(await stack.send(key, text)).toMatchObject({ turn, text: `answer to "${text}" with ${2 * turn - 1} messages of context` });
  };

  it(`moves a session ${previous.version} started onto this release's workers while the old ones still run`, async () => {
    const key = 'main:test:rolling';
    const old = spawnCli(['worker'], stack.env, join(checkout, 'bin', 'clawflow.js'));
    await old.waitFor(/workers running/, 120_000);
    const sent = await runCli(['send', key, 'hello from before the deploy'], stack.env, join(checkout, 'bin', 'clawflow.js'));
    expect(sent.code, sent.output).toBe(0);
    expect(sent.output).toContain('answer to "hello from before the deploy" with 1 messages of context');

    // The new release's workers start beside the old ones; the first makes its build current.
    const fresh = [await stack.startWorker(), await stack.startWorker('sessions,agent')];
    expect(await currentBuild()).toBe(current);
    const before = (await taskTakers(key)).length;
    for (const [index, text] of ['after the deploy', 'and again', 'still here'].entries()) await expectTurn(key, text, index + 2);
    // Every task since went to the new build, though the old worker polls the same queue all along.
    const since = (await taskTakers(key)).slice(before);
    expect(since.length).toBeGreaterThan(0);
    expect(since.every((pid) => fresh.some((w) => w.child.pid === pid))).toBe(true);

    // The old workers retire; nothing is lost.
    await stack.kill(old, 'SIGINT');
    await expectTurn(key, 'after the old workers stopped', 5);
    const transcript = await stack.waitForTurns(key, 5);
    expect(transcript.filter((e) => e.role === 'user').map((e) => e.text)).toEqual([
      'hello from before the deploy',
      'after the deploy',
      'and again',
      'still here',
      'after the old workers stopped',
    ]);
  });

  it('moves sessions on to a newer build, and an older worker started afterwards does not take them back', async () => {
    const key = 'main:test:rolling-next';
    await expectTurn(key, 'on this build', 1);
    // The next release, as far as the server can tell: a newer build id.
    const next = await stack.startWorker(undefined, { CLAWFLOW_WORKER_BUILD_ID: '99.0.0' });
    expect(await currentBuild()).toBe('99.0.0');
    await expectTurn(key, 'on the next build', 2);
    // A worker of the older build (a restart during the deploy, say) registers but leaves the current build alone.
    const late: CliProcess = await stack.startWorker('sessions');
    expect(late.output()).toContain('gets session tasks only while its build is current');
    expect(await currentBuild()).toBe('99.0.0');
    const before = (await taskTakers(key)).length;
    await expectTurn(key, 'with an old worker polling', 3);
    await expectTurn(key, 'and once more', 4);
    expect((await taskTakers(key)).slice(before).every((pid) => pid === next.child.pid)).toBe(true);
  });
});
