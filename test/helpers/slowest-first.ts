import { relative } from 'node:path';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

/** What a file with no timing on this machine yet is taken to last, by its project (ms). */
const guessedDurationMs: Record<string, number> = { slow: 60_000, integration: 15_000, unit: 1_000 };

/**
 * Files that took longest on this machine run first (vitest keeps their timings in its cache directory, which the
 * config puts in the machine's cache, so a fresh clone has them too); a file that failed last time before all; a file
 * with no timing yet is placed by a guess from its project. Two workers then finish together instead of one waiting
 * out a long file started last.
 */
export class SlowestFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const cache = this.ctx.cache;
    const known = (spec: TestSpecification) => cache.getFileTestResults(`${spec.project.name}:${relative(this.ctx.config.root, spec.moduleId)}`);
    const failed = (spec: TestSpecification): boolean => known(spec)?.failed ?? false;
    const duration = (spec: TestSpecification): number => known(spec)?.duration ?? guessedDurationMs[spec.project.name] ?? 0;
    return [...files].sort((a, b) => Number(failed(b)) - Number(failed(a)) || duration(b) - duration(a));
  }
}
