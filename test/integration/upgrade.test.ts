import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { mainSessionKey, parseSessionKey, sessionWorkflowId } from '../../src/contracts/session-key.js';
import { connectClient } from '../../src/temporal/connection.js';
import { JsonlTranscriptStore } from '../../src/transcript/jsonl-store.js';
import { statusQuery } from '../../src/workflows/messages.js';
import { releases } from '../histories/fixtures.js';
import { FakeModel, heard, type ModelRequest, type ScriptedAnswer } from '../helpers/fake-model.js';
import { ownStackEnv } from '../helpers/own-stack-env.js';
import { killAll, killDevServerOf, runCli, spawnCli, stopStack, type CliProcess } from '../helpers/processes.js';
import { releaseCheckout } from '../helpers/release-checkout.js';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

/** `clawflow <args>` of another checkout, as a process. */
function spawnAt(checkout: string, args: string[], env: NodeJS.ProcessEnv): CliProcess {
  return spawnCli(args, env, join(checkout, 'bin', 'clawflow.js'));
}

describe('an upgrade keeps running sessions: the previous release stops mid-conversation, this one carries on', () => {
  // The newest release before the one this checkout is (package.json's version).
  const current = (JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { version: string }).version;
  const previous = releases()
    .filter((r) => r.version.localeCompare(`v${current}`, undefined, { numeric: true }) < 0)
    .at(-1)!;
  const work = mkdtempSync(join(tmpdir(), 'clawflow-upgrade-'));
  let checkout: string;
  const home = join(work, 'home');
  const model = new FakeModel((request: ModelRequest): ScriptedAnswer => {
    const last = String(request.messages.at(-1)?.content);
    if (request.messages.at(-1)?.role === 'tool') return `ran it: ${last}`;
    if (last === 'please write the proof file') return { toolCalls: [{ name: 'exec', arguments: { command: 'echo upgraded > proof.txt' } }] };
    return heard(request);
  });
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    // The previous release exactly as it was built: its recorded commit, its own dependencies (cached per machine).
    checkout = releaseCheckout(repoRoot, previous.commit);
    await model.start();
    env = await ownStackEnv(home, { CLAWFLOW_MODEL_BASE_URL: model.baseUrl, CLAWFLOW_MODEL: 'scripted', CLAWFLOW_TIMEZONE: 'UTC' });
  }, 360_000);
  afterAll(async () => {
    await killAll();
    killDevServerOf(home);
    await model.stop();
    rmSync(work, { recursive: true, force: true });
  });

  it(`answers the queued message, honours the approval and fires the schedule that ${previous.version} left`, async () => {
    const key = 'main:cli:upgrade';
    const workflowId = sessionWorkflowId(parseSessionKey(key));
    const old = spawnAt(checkout, ['start'], env);
    await old.waitFor(/Press Ctrl-C to stop/, 120_000);

    // Mid-conversation: a command waits for approval, a message waits behind it, a job is due shortly (it may fall due while nothing runs: it is caught up).
    const asking = spawnAt(checkout, ['send', key, 'please write the proof file', '--message-id', 'u1'], env);
    await asking.waitFor(/npx clawflow approve \S+ \S+\n/, 60_000);
    const requestId = /npx clawflow approve \S+ (\S+)\n/.exec(asking.output())![1]!;
    const queued = spawnAt(checkout, ['send', key, 'and this one after', '--message-id', 'u2'], env);
    const due = new Date(Date.now() + 35_000).toISOString().replace(/\.\d+Z$/, 'Z');
    const added = await runCli(
      ['cron', 'add', '--name', 'after-upgrade', '--at', due, '--message', 'scheduled across the upgrade'],
      env,
      join(checkout, 'bin', 'clawflow.js'),
    );
    expect(added.code, added.output).toBe(0);
    const client = await connectClient(loadConfig(env));
    try {
      await expect.poll(async () => (await client.workflow.getHandle(workflowId).query(statusQuery)).queued, { timeout: 30_000 }).toBe(1);
    } finally {
      await client.connection.close();
    }
    old.child.kill('SIGINT');
    expect(await old.exited, old.output()).toBe(0);
    asking.child.kill('SIGKILL');
    queued.child.kill('SIGKILL');

    // This release, on the same state dir.
    const upgraded = spawnCli(['start'], env);
    try {
      await upgraded.waitFor(/Press Ctrl-C to stop/, 120_000);
      const approved = await runCli(['approve', key, requestId], env);
      expect(approved.code, approved.output).toBe(0);
      const store = new JsonlTranscriptStore(join(home, 'agents'));
      await expect.poll(async () => new Set(((await store.read(key)) ?? []).map((e) => e.turn)).size, { timeout: 60_000 }).toBe(2);
      const transcript = (await store.read(key))!;
      expect(transcript.map((e) => `${e.turn}${e.role}:${e.text}`)).toEqual([
        '1user:please write the proof file',
        '1assistant:ran it: exit code 0\n',
        '2user:and this one after',
        '2assistant:heard: please write the proof file | and this one after',
      ]);
      expect(readFileSync(join(home, 'workspace', 'proof.txt'), 'utf8')).toBe('upgraded\n');
      // The job the previous release scheduled fires on this one (once, into the main session).
      await expect
        .poll(async () => ((await store.read(mainSessionKey('main'))) ?? []).filter((e) => e.text === 'scheduled across the upgrade').length, {
          timeout: 120_000,
          interval: 1000,
        })
        .toBe(1);
      expect(existsSync(join(home, 'temporal', 'temporal.sqlite'))).toBe(true);
      expect(upgraded.output()).not.toMatch(/Nondeterminism|TMPRL1100/);
    } finally {
      await stopStack(upgraded, home);
    }
  }, 360_000);
});
