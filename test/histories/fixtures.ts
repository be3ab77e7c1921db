// Reads the committed workflow histories of earlier releases (test/fixtures/histories/<version>/).
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils.js';
import type { History } from '@temporalio/common/lib/proto-utils.js';
import { z } from 'zod';

export const historiesRoot = fileURLToPath(new URL('../fixtures/histories/', import.meta.url));

export const historyFixtureSchema = z
  .object({
    name: z.string().min(1),
    scenario: z.string().min(1),
    description: z.string(),
    workflowType: z.enum(['SessionWorkflow', 'ScheduledTurnWorkflow']),
    workflowId: z.string().min(1),
    history: z.object({ events: z.array(z.unknown()).min(1) }).loose(),
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

/** A release's histories as `Worker.runReplayHistories` takes them. */
export function* loadReleaseHistories(dir: string): Generator<{ workflowId: string; history: History }> {
  const release = releaseSchema.parse(JSON.parse(readFileSync(join(dir, 'release.json'), 'utf8')));
  for (const name of release.histories) {
    const fixture = readFixture(dir, name);
    yield { workflowId: fixture.workflowId, history: fixture.parsed };
  }
}
