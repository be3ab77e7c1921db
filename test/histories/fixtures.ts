// Reads the committed workflow histories of earlier releases (test/fixtures/histories/<version>/).
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { DataConverter } from '@temporalio/common';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils.js';
import type { History } from '@temporalio/common/lib/proto-utils.js';
import { Worker } from '@temporalio/worker';
import { z } from 'zod';
import { HistoryCodec, historyKey } from '../../src/temporal/history-codec.js';

export const historiesRoot = fileURLToPath(new URL('../fixtures/histories/', import.meta.url));

export const historyFixtureSchema = z
  .object({
    name: z.string().min(1),
    scenario: z.string().min(1),
    description: z.string(),
    workflowType: z.enum(['SessionWorkflow', 'ScheduledTurnWorkflow']),
    workflowId: z.string().min(1),
    history: z.object({ events: z.array(z.unknown()).min(1) }).loose(),
    /**
     * The history key its payloads were sealed with (base64url, 32 bytes), for a history captured with history.encrypt
     * on: a key made for the capture and nothing else, committed so the replay can open them (since v0.9.0).
     */
    historyKey: z
      .string()
      .regex(/^[A-Za-z0-9_-]{43}$/)
      .optional(),
  })
  .strict();
export type HistoryFixture = z.infer<typeof historyFixtureSchema>;

export const releaseSchema = z
  .object({
    version: z.string().regex(/^v\d+\.\d+\.\d+/),
    commit: z.string().regex(/^[0-9a-f]{40}$/),
    capturedAt: z.string(),
    histories: z.array(z.string()).min(1),
  })
  .strict();
export type Release = z.infer<typeof releaseSchema>;

/** Every release that committed histories, oldest version first. */
export function releases(): Array<Release & { dir: string }> {
  if (!existsSync(historiesRoot)) return [];
  return readdirSync(historiesRoot, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => {
      const dir = join(historiesRoot, entry.name);
      return { ...releaseSchema.parse(JSON.parse(readFileSync(join(dir, 'release.json'), 'utf8'))), dir };
    })
    .sort((a, b) => a.version.localeCompare(b.version, undefined, { numeric: true }));
}

export function readFixture(dir: string, name: string): HistoryFixture & { parsed: History } {
  const fixture = historyFixtureSchema.parse(JSON.parse(readFileSync(join(dir, `${name}.json`), 'utf8')));
  return { ...fixture, parsed: historyFromJSON(fixture.history) };
}

type LoadedFixture = ReturnType<typeof readFixture>;

/**
 * Fixtures in the groups a replay takes them: the plain ones together, and those sealed with a key each with the data
 * converter that opens them (the codec the workers use, with that key).
 */
export function replayGroups<F extends LoadedFixture>(fixtures: readonly F[]): Array<{ dataConverter?: DataConverter; fixtures: F[] }> {
  const byKey = new Map<string, F[]>();
  for (const fixture of fixtures) byKey.set(fixture.historyKey ?? '', [...(byKey.get(fixture.historyKey ?? '') ?? []), fixture]);
  return [...byKey].map(([key, group]) =>
    key ? { dataConverter: { payloadCodecs: [new HistoryCodec(historyKey(Buffer.from(key, 'base64url')))] }, fixtures: group } : { fixtures: group },
  );
}

/** Replays fixtures on a workflow bundle, each group with its data converter; a failure names the fixture. */
export async function replayFixtures<F extends LoadedFixture>(
  workflowBundle: { code: string },
  replayName: string,
  fixtures: readonly F[],
): Promise<{ replayed: number; failures: Array<{ fixture: F; message: string }> }> {
  const failures: Array<{ fixture: F; message: string }> = [];
  let replayed = 0;
  for (const [index, group] of replayGroups(fixtures).entries()) {
    let at = 0;
    for await (const result of Worker.runReplayHistories(
      { workflowBundle, replayName: `${replayName}-${index}`, ...(group.dataConverter ? { dataConverter: group.dataConverter } : {}) },
      group.fixtures.map((f) => ({ workflowId: f.workflowId, history: f.parsed })),
    )) {
      const fixture = group.fixtures[at++]!;
      if (result.error) failures.push({ fixture, message: result.error.message });
    }
    replayed += at;
  }
  return { replayed, failures };
}
