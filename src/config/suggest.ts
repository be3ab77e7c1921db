import { distance } from 'fastest-levenshtein';
import type { z } from 'zod';

/** The candidate a mistyped name most likely meant, if one is close enough to suggest. */
export function closestName(word: string, candidates: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const candidate of candidates) {
    const d = distance(word.toLowerCase(), candidate.toLowerCase());
    if (d < bestDistance) [best, bestDistance] = [candidate, d];
  }
  return bestDistance <= Math.max(2, Math.floor(word.length / 3)) ? best : undefined;
}

/** The keys an object schema accepts at `path` (through defaults, optionals and pipes); none if it is not an object. */
export function keysAt(schema: z.ZodType, path: readonly PropertyKey[]): string[] {
  let current: z.core.$ZodType | undefined = schema;
  const unwrap = (type: z.core.$ZodType): z.core.$ZodType => {
    let inner = type;
    for (;;) {
      const def = inner._zod.def as { type: string; innerType?: z.core.$ZodType; in?: z.core.$ZodType };
      if ((def.type === 'default' || def.type === 'optional' || def.type === 'nullable' || def.type === 'prefault') && def.innerType) inner = def.innerType;
      else if (def.type === 'pipe' && def.in) inner = def.in;
      else return inner;
    }
  };
  for (const part of path) {
    const def = unwrap(current)._zod.def as { type: string; shape?: Record<string, z.core.$ZodType> };
    current = def.type === 'object' ? def.shape?.[String(part)] : undefined;
    if (!current) return [];
  }
  const def = unwrap(current)._zod.def as { type: string; shape?: Record<string, z.core.$ZodType> };
  return def.type === 'object' && def.shape ? Object.keys(def.shape) : [];
}
