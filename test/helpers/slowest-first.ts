import { relative } from 'node:path';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

/** The projects in the order their files start when this machine has no timings yet: the longest kinds first. */
const projectOrder = ['slow', 'integration', 'unit'];

/**
 * Files that took longest on this machine before run first (vitest keeps their timings in the cache directory, which
 * the config puts in the machine's cache, so a fresh clone has them too), a file that failed last time before those;
 * a file with no timing yet goes by its project — slow, integration, unit — then by size. Two workers finish together
 * instead of one waiting out a long file started last.
 */
export class SlowestFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const cache = this.ctx.cache;
    const key = (spec: TestSpecification): string => `${spec.project.name}:${relative(this.ctx.config.root, spec.moduleId)}`;
    const rank = (spec: TestSpecification): number => {
      const at = projectOrder.indexOf(spec.project.name);
      return at === -1 ? projectOrder.length : at;
    };
    return [...files].sort((a, b) => {
      const [resultA, resultB] = [cache.getFileTestResults(key(a)), cache.getFileTestResults(key(b))];
      if (resultA && resultB) {
        if (resultA.failed !== resultB.failed) return resultA.failed ? -1 : 1;
        return resultB.duration - resultA.duration;
      }
      if (resultA || resultB) return resultA ? 1 : -1; // new files first: they have no timing to place them by
      return rank(a) - rank(b) || (cache.getFileStats(key(b))?.size ?? 0) - (cache.getFileStats(key(a))?.size ?? 0);
    });
  }
}
